/**
 * GET/HEAD /view: server.py's `view_image` with its checks in the same order (filename → 400,
 * unknown type → 400, subfolder escape → 403, missing → 404) and aiohttp FileResponse headers
 * (Etag, Last-Modified, Accept-Ranges, Range → 206, conditional → 304).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join } from 'node:path';

import { loadRawImage, MIME_BY_EXT } from './image-files.js';
import { sendBody, sendEmpty, sendInternalError } from './http-util.js';
import { annotatedFilepath, dirByType, isInside, type SimDirs } from './paths.js';
import { encodePng, type RawImage } from './png.js';
import { encodeWebpLossless } from './webp.js';

function pyJoin(base: string, part: string): string {
  return part.startsWith('/') ? part : join(base, part);
}

function toRgb(img: RawImage): RawImage {
  if (img.channels === 3) return img;
  const data = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) {
    for (let c = 0; c < 3; c++)
      data[i * 3 + c] = img.data[i * img.channels + (img.channels < 3 ? 0 : c)] ?? 0;
  }
  return { width: img.width, height: img.height, channels: 3, data };
}

function alphaOnly(img: RawImage): RawImage {
  const data = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    data[i * 4 + 3] =
      img.channels === 4
        ? (img.data[i * 4 + 3] ?? 255)
        : img.channels === 2
          ? (img.data[i * 2 + 1] ?? 255)
          : 255;
  }
  return { width: img.width, height: img.height, channels: 4, data };
}

function httpDate(d: Date): string {
  return d.toUTCString();
}

export function handleView(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  dirs: SimDirs,
): void {
  const rawName = query.get('filename');
  if (rawName === null) return sendEmpty(res, 404);
  const annotated = annotatedFilepath(rawName, dirs);
  let filename = annotated.name;
  if (!filename) return sendEmpty(res, 400);
  if (filename.startsWith('/') || filename.includes('..')) return sendEmpty(res, 400);
  let outputDir = annotated.dir ?? dirByType(query.get('type') ?? 'output', dirs);
  if (outputDir === undefined) return sendEmpty(res, 400);
  const subfolder = query.get('subfolder');
  if (subfolder !== null) {
    const full = pyJoin(outputDir, subfolder);
    if (!isInside(outputDir, full)) return sendEmpty(res, 403);
    outputDir = full;
  }
  filename = basename(filename);
  const file = join(outputDir, filename);
  let stat;
  try {
    stat = statSync(file, { bigint: true });
  } catch {
    return sendEmpty(res, 404);
  }
  if (!stat.isFile()) return sendEmpty(res, 404);
  const disposition = { 'Content-Disposition': `filename="${filename}"` };

  const preview = query.get('preview');
  const channel = query.get('channel') ?? 'rgba';
  if (preview !== null || channel === 'rgb' || channel === 'a') {
    const img = loadRawImage(readFileSync(file));
    if (!img) return sendInternalError(res); // PIL cannot identify the file
    if (preview !== null) {
      // The simulator encodes lossless WebP for every preview (it has no JPEG encoder).
      const pixels = channel === 'rgb' ? toRgb(img) : img;
      return sendBody(res, 200, 'image/webp', encodeWebpLossless(pixels), disposition);
    }
    const out = channel === 'rgb' ? toRgb(img) : alphaOnly(img);
    return sendBody(res, 200, 'image/png', encodePng(out, { level: 6 }), disposition);
  }

  const size = Number(stat.size);
  const etag = `"${stat.mtimeNs.toString(16)}-${stat.size.toString(16)}"`;
  const mtime = new Date(Number(stat.mtimeMs));
  mtime.setMilliseconds(0);
  const lastModified = httpDate(mtime);
  const contentType = MIME_BY_EXT[extname(filename).slice(1).toLowerCase()] ?? 'application/octet-stream';
  const base = { ...disposition, 'Content-Type': contentType, Etag: etag, 'Last-Modified': lastModified };

  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  if (
    (inm !== undefined && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) ||
    (inm === undefined && ims !== undefined && Date.parse(ims) >= mtime.getTime())
  ) {
    res.writeHead(304, { Etag: etag, 'Last-Modified': lastModified });
    res.end();
    return;
  }

  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  const rangeApplies =
    range !== undefined && (ifRange === undefined || ifRange === etag || ifRange === lastModified);
  if (rangeApplies) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = 0;
    let end = size - 1;
    let ok = m !== null && (m[1] !== '' || m[2] !== '');
    if (m && ok) {
      if (m[1] === '') start = Math.max(0, size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(size - 1, Number(m[2]));
      }
      ok = start <= end && start < size;
    }
    if (!ok) {
      res.writeHead(416, {
        'Content-Range': `bytes */${size}`,
        'Content-Length': 0,
        'Content-Type': 'application/octet-stream',
      });
      res.end();
      return;
    }
    res.writeHead(206, {
      ...base,
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Content-Range': `bytes ${start}-${end}/${size}`,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...base, 'Content-Length': size, 'Accept-Ranges': 'bytes' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}
