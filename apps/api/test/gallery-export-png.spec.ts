import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blockReader, UnlabellableImageError } from '../src/gallery/export/copy-plan.js';
import { planPngCopy, pngLabelChunk, readPngChunks } from '../src/gallery/export/png-label.js';
import { trainedAlgorithmicMedia } from '../src/gallery/export/xmp-packet.js';
import {
  materialize,
  memoryReader,
  pngChunk,
  pngChunkTypes,
  withChunks,
} from './gallery-export-bytes-kit.js';

const noisy = (side: number) =>
  sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();

async function plan(png: Buffer, redact: boolean) {
  const read = memoryReader(png);
  const chunks = await readPngChunks(blockReader(read), png.length, redact);
  return { copy: materialize(planPngCopy(chunks, png.length, redact), png), read };
}

describe('PNG labelling', () => {
  it('inserts one valid iTXt XML:com.adobe.xmp chunk right after IHDR, and changes nothing else', async () => {
    const png = await noisy(64);
    const { copy } = await plan(png, false);
    expect(copy.length).toBe(png.length + pngLabelChunk.length);
    expect(pngChunkTypes(copy)).toEqual(['IHDR', 'iTXt', ...pngChunkTypes(png).slice(1)]);
    expect(copy.subarray(0, 33).equals(png.subarray(0, 33))).toBe(true);
    expect(copy.subarray(33 + pngLabelChunk.length).equals(png.subarray(33))).toBe(true);
    const label = copy.subarray(33, 33 + pngLabelChunk.length);
    expect(label.toString('latin1', 8, 26)).toBe('XML:com.adobe.xmp\0');
    expect(label.readUInt32BE(label.length - 4)).toBe(crc32(label.subarray(4, label.length - 4)) >>> 0);
    const meta = await sharp(copy).metadata();
    expect(meta.xmp?.toString()).toContain(trainedAlgorithmicMedia);
  });

  it('reads only the head of the file to label it', async () => {
    const png = await noisy(256);
    const { read } = await plan(png, false);
    expect(read.bytesRead).toBeLessThanOrEqual(4096 + 8);
  });

  it('redacted: drops every text chunk, eXIf and private chunks, before and after IDAT; keeps the pixels', async () => {
    const original = await noisy(48);
    const png = withChunks(
      original,
      [
        pngChunk('tEXt', 'prompt\0{"3": {"class_type": "KSampler"}}'),
        pngChunk('zTXt', 'workflow\0\0xx'),
        pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
      ],
      [pngChunk('iTXt', 'parameters\0\0\0\0\0a secret'), pngChunk('eXIf', 'MM\0*'), pngChunk('prVt', 'x')],
    );
    const { copy } = await plan(png, true);
    expect(pngChunkTypes(copy)).toEqual(['IHDR', 'iTXt', 'gAMA', ...pngChunkTypes(original).slice(1)]);
    expect(copy.includes('KSampler')).toBe(false);
    expect(copy.includes('a secret')).toBe(false);
    const [a, b] = await Promise.all([copy, original].map((bytes) => sharp(bytes).raw().toBuffer()));
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
  });

  it('redacted: walks the chunk table without reading the pixels of large chunks', async () => {
    const original = await noisy(64);
    // One IDAT of 200 KiB between the text chunks: the walk jumps over it.
    const idat = pngChunk('IDAT', randomBytes(200 * 1024));
    const png = Buffer.concat([original.subarray(0, 33), idat, pngChunk('IEND', '')]);
    const { read } = await plan(png, true);
    expect(read.bytesRead).toBeLessThan(16 * 1024);
  });

  it('refuses what is not a PNG laid out as one, with its own error', async () => {
    const png = await noisy(16);
    const cases = [
      Buffer.from('not a png at all'),
      Buffer.concat([png.subarray(0, 8), pngChunk('tEXt', 'a\0b'), png.subarray(8)]),
      png.subarray(0, 40),
    ];
    for (const bytes of cases) {
      await expect(readPngChunks(memoryReader(bytes), bytes.length, true)).rejects.toBeInstanceOf(
        UnlabellableImageError,
      );
    }
  });
});
