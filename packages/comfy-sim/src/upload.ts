/**
 * POST /upload/image: server.py's `image_upload` — multipart field `image` (a file), optional
 * `overwrite`, `subfolder`, `type`; "name (1).png" when the name is taken by different bytes,
 * the same name when the bytes are identical, 400 for anything escaping the directory.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';

import busboy from 'busboy';

import { HandlerCrash, readBody, sendEmpty, sendJson } from './http-util.js';
import { dirByType, isInside, normpath, type SimDirs } from './paths.js';

interface FormData {
  fields: Map<string, string>;
  files: Map<string, { filename: string; data: Buffer }>;
}

function parseMultipart(req: IncomingMessage): Promise<FormData> {
  return new Promise((resolvePromise, reject) => {
    const form: FormData = { fields: new Map(), files: new Map() };
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, preservePath: true });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    bb.on('field', (name, value) => {
      if (!form.fields.has(name) && !form.files.has(name)) form.fields.set(name, value);
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (!form.fields.has(name) && !form.files.has(name)) {
          form.files.set(name, { filename: info.filename ?? '', data: Buffer.concat(chunks) });
        }
      });
    });
    bb.on('close', () => resolvePromise(form));
    bb.on('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
    req.pipe(bb);
  });
}

/** Python's `os.path.splitext`. */
function splitext(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot <= slash + 1) return [name, ''];
  const base = name.slice(slash + 1, dot);
  if (/^\.+$/.test(base) || base === '') return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

function pyJoin(base: string, part: string): string {
  return part.startsWith('/') ? part : join(base, part);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function handleUpload(req: IncomingMessage, res: ServerResponse, dirs: SimDirs): Promise<void> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  let form: FormData;
  if (type.startsWith('multipart/form-data')) {
    try {
      form = await parseMultipart(req);
    } catch {
      throw new HandlerCrash('malformed multipart body');
    }
  } else {
    const body = await readBody(req);
    form = { fields: new Map(), files: new Map() };
    if (type.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8')))
        if (!form.fields.has(k)) form.fields.set(k, v);
    }
  }

  const image = form.files.get('image');
  if (!image && form.fields.get('image')) throw new HandlerCrash("'str' object has no attribute 'file'");
  const uploadType = form.fields.get('type') ?? 'input';
  const uploadDir = dirByType(uploadType, dirs);
  if (uploadDir === undefined)
    throw new HandlerCrash("local variable 'type_dir' referenced before assignment");
  if (!image) return sendEmpty(res, 400);
  let filename = image.filename;
  if (!filename) return sendEmpty(res, 400);

  const subfolder = form.fields.get('subfolder') ?? '';
  const folder = pyJoin(uploadDir, normpath(subfolder));
  let filepath = resolve(pyJoin(folder, filename));
  if (!isInside(uploadDir, filepath) || resolve(filepath) === resolve(uploadDir)) return sendEmpty(res, 400);
  if (!existsSync(folder)) mkdirSync(folder, { recursive: true });

  const overwrite = form.fields.get('overwrite');
  let duplicate = false;
  if (overwrite !== 'true' && overwrite !== '1') {
    const [stem, ext] = splitext(filename);
    const digest = sha(image.data);
    for (let i = 1; existsSync(filepath); i++) {
      if (sha(readFileSync(filepath)) === digest) {
        duplicate = true;
        break;
      }
      filename = `${stem} (${i})${ext}`;
      filepath = join(folder, filename);
    }
  }
  if (!duplicate) {
    if (!existsSync(dirname(filepath))) throw new HandlerCrash(`No such file or directory: '${filepath}'`);
    writeFileSync(filepath, image.data);
  }
  sendJson(res, 200, { name: filename, subfolder, type: uploadType });
}
