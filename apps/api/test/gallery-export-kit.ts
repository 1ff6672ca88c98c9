import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { expect } from 'vitest';
import type { TestApp, TestSession } from './test-app.js';

/** One entry of a ZIP as its central directory and local header describe it. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  size: number;
  data: Buffer;
}

export interface ExportAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** GET /api/gallery/export.zip with these parameters: status, headers and the raw body. */
export async function exportZip(
  app: TestApp,
  session: TestSession,
  query: Record<string, string | number>,
): Promise<ExportAnswer> {
  const res = await app.request
    .get('/api/gallery/export.zip')
    .query(query)
    .set(session.bearer)
    .buffer(true)
    .parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return {
    status: res.status,
    headers: res.headers,
    body: res.body as Buffer,
  };
}

/**
 * A small ZIP reader for the tests (client-zip writes STORED entries with data descriptors and, past
 * 4 GiB, Zip64 records: these archives stay small). Checks each entry's CRC-32 against its bytes.
 */
export function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd, 'end of central directory').toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    expect(crc32(data) >>> 0, `CRC of ${name}`).toBe(crc);
    entries.push({ name, method, crc, size, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Python's zipfile opens the archive and checks every CRC: a second, independent reader. */
export function pythonTestZip(zip: Buffer): string[] {
  const script =
    'import io,sys,zipfile\nz=zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))\nbad=z.testzip()\n' +
    'print("BAD "+bad if bad else "OK")\nfor i in z.infolist(): print(i.compress_type, i.file_size, i.filename)';
  return execFileSync('python3', ['-c', script], { input: zip }).toString().trim().split('\n');
}

/** manifest.csv as rows of cells (RFC 4180 quoting, CRLF lines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}
