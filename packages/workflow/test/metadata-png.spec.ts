import { deflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { readPngTextChunks } from '../src/index.js';
import { recording } from './metadata-kit.js';

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

const ihdr = chunk('IHDR', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));

function png(...chunks: Buffer[]): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from(signature), ihdr, ...chunks, chunk('IEND', '')]));
}

const nul = Buffer.from([0]);

function iTXt(key: string, text: string, compressed: boolean): Buffer {
  const body = compressed ? deflateSync(Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  const header = Buffer.concat([Buffer.from(key, 'latin1'), nul, Buffer.from([compressed ? 1 : 0, 0])]);
  return chunk('iTXt', Buffer.concat([header, Buffer.from('en'), nul, Buffer.from('Prompt'), nul, body]));
}

function zTXt(key: string, text: string): Buffer {
  return chunk(
    'zTXt',
    Buffer.concat([Buffer.from(key, 'latin1'), nul, nul, deflateSync(Buffer.from(text, 'latin1'))]),
  );
}

describe('readPngTextChunks', () => {
  it("reads the prompt ComfyUI's SaveImage embedded in a real output", () => {
    const chunks = readPngTextChunks(recording('view_output_png.png'));
    expect(Object.keys(chunks)).toEqual(['prompt']);
    const prompt = JSON.parse(chunks.prompt ?? '') as Record<string, { class_type: string }>;
    expect(prompt['3']?.class_type).toBe('EmptyImage');
  });

  it('reads tEXt as Latin-1, zTXt, and iTXt both plain and compressed as UTF-8', () => {
    const bytes = png(
      chunk('tEXt', 'parameters\0caf\xe9 \x80'),
      zTXt('prompt', '{"1": {"class_type": "KSampler", "inputs": {}}}'),
      iTXt('workflow', '{"nodes": [], "title": "żółw ☕"}', true),
      iTXt('notes', 'plain ☕', false),
    );
    expect(readPngTextChunks(bytes)).toEqual({
      parameters: 'caf\u00e9 \u0080',
      prompt: '{"1": {"class_type": "KSampler", "inputs": {}}}',
      workflow: '{"nodes": [], "title": "żółw ☕"}',
      notes: 'plain ☕',
    });
  });

  it('keeps the first of a repeated keyword and stops at the image data', () => {
    const idat = chunk('IDAT', deflateSync(Buffer.alloc(4)));
    const bytes = png(
      chunk('tEXt', 'a\0first'),
      chunk('tEXt', 'a\0second'),
      idat,
      chunk('tEXt', 'late\0after'),
    );
    expect(readPngTextChunks(bytes)).toEqual({ a: 'first' });
  });

  it('returns what it read from a truncated file, and nothing from a non-PNG', () => {
    const whole = png(chunk('tEXt', 'a\0one'), chunk('tEXt', 'b\0two'));
    const cut = whole.subarray(0, whole.length - 20);
    expect(readPngTextChunks(cut)).toEqual({ a: 'one' });
    expect(readPngTextChunks(whole.subarray(0, 5))).toEqual({});
    expect(readPngTextChunks(new TextEncoder().encode('GIF89a not a png at all'))).toEqual({});
    expect(readPngTextChunks('not bytes' as unknown as Uint8Array)).toEqual({});
  });

  it('skips malformed chunks, corrupt streams and inflation bombs but reads the rest', () => {
    const bomb = Buffer.concat([Buffer.from('bomb'), nul, nul, deflateSync(Buffer.alloc(9 * 1024 * 1024))]);
    const bytes = png(
      chunk('tEXt', 'no keyword terminator'),
      chunk('tEXt', '\0empty keyword'),
      chunk('zTXt', Buffer.concat([Buffer.from('bad'), nul, nul, Buffer.from('not zlib')])),
      chunk('zTXt', bomb),
      chunk('iTXt', Buffer.concat([Buffer.from('short'), nul, Buffer.from([1])])),
      chunk('tEXt', '__proto__\0polluted?'),
      chunk('tEXt', 'ok\0kept'),
    );
    const chunks = readPngTextChunks(bytes);
    expect(Object.keys(chunks)).toEqual(['__proto__', 'ok']);
    expect(Object.getOwnPropertyDescriptor(chunks, '__proto__')?.value).toBe('polluted?');
    expect(chunks.ok).toBe('kept');
    expect(Object.getPrototypeOf(chunks)).toBe(Object.prototype);
  });

  it('stops at a chunk whose length runs past the end', () => {
    const bytes = Buffer.from(png(chunk('tEXt', 'a\0one')));
    const huge = Buffer.from(bytes);
    // The IHDR length field claims 4 GiB.
    huge.writeUInt32BE(0xffffffff, 8);
    expect(readPngTextChunks(new Uint8Array(huge))).toEqual({});
    expect(readPngTextChunks(new Uint8Array(bytes))).toEqual({ a: 'one' });
  });
});
