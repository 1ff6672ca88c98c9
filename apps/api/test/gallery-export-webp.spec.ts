import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blockReader, UnlabellableImageError } from '../src/gallery/export/copy-plan.js';
import { planWebpCopy, readWebpChunks, webpLabelChunk } from '../src/gallery/export/webp-label.js';
import { trainedAlgorithmicMedia } from '../src/gallery/export/xmp-packet.js';
import { materialize, memoryReader } from './gallery-export-bytes-kit.js';

const canvas = (channels: 3 | 4) =>
  sharp({ create: { width: 37, height: 21, channels, background: { r: 40, g: 90, b: 200, alpha: 0.5 } } });

function chunkTypes(webp: Buffer): string[] {
  const types: string[] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    const size = webp.readUInt32LE(at + 4);
    types.push(webp.toString('latin1', at, at + 4));
    at += 8 + size + (size % 2);
  }
  return types;
}

async function plan(webp: Buffer, redact: boolean): Promise<Buffer> {
  const read = blockReader(memoryReader(webp));
  const chunks = await readWebpChunks(read, webp.length);
  return materialize(planWebpCopy(chunks, redact, await read((chunks[0]?.start ?? 12) + 8, 10)), webp);
}

async function expectLabelledSamePixels(copy: Buffer, original: Buffer) {
  expect(copy.readUInt32LE(4)).toBe(copy.length - 8);
  const meta = await sharp(copy).metadata();
  const before = await sharp(original).metadata();
  expect(meta.xmp?.toString()).toContain(trainedAlgorithmicMedia);
  expect([meta.width, meta.height, meta.hasAlpha]).toEqual([before.width, before.height, before.hasAlpha]);
  const [a, b] = await Promise.all([copy, original].map((bytes) => sharp(bytes).raw().toBuffer()));
  expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
}

describe('WebP labelling', () => {
  it('turns a simple lossy file into VP8X form with the XMP chunk', async () => {
    const webp = await canvas(3).webp().toBuffer();
    expect(chunkTypes(webp)).toEqual(['VP8 ']);
    const copy = await plan(webp, false);
    expect(chunkTypes(copy)).toEqual(['VP8X', 'VP8 ', 'XMP ']);
    expect(copy.length).toBe(webp.length + 18 + webpLabelChunk.length);
    expect((copy[20] ?? 0) & 0x04).toBe(0x04);
    await expectLabelledSamePixels(copy, webp);
  });

  it('keeps the alpha flag of a lossless file with transparency', async () => {
    const webp = await canvas(4).webp({ lossless: true }).toBuffer();
    expect(chunkTypes(webp)).toEqual(['VP8L']);
    const copy = await plan(webp, false);
    expect((copy[20] ?? 0) & 0x10).toBe(0x10);
    await expectLabelledSamePixels(copy, webp);
  });

  it('sets the XMP flag of a VP8X file; redacted, drops EXIF and clears its flag', async () => {
    const webp = await canvas(3)
      .webp()
      .withExif({ IFD0: { ImageDescription: 'a secret prompt' } })
      .toBuffer();
    expect(chunkTypes(webp)).toEqual(['VP8X', 'VP8 ', 'EXIF']);
    const kept = await plan(webp, false);
    expect(chunkTypes(kept)).toEqual(['VP8X', 'VP8 ', 'EXIF', 'XMP ']);
    await expectLabelledSamePixels(kept, webp);
    const redacted = await plan(webp, true);
    expect(chunkTypes(redacted)).toEqual(['VP8X', 'VP8 ', 'XMP ']);
    expect((redacted[20] ?? 0) & 0x08).toBe(0);
    expect(redacted.includes('secret')).toBe(false);
    await expectLabelledSamePixels(redacted, webp);
  });

  it('refuses what is not a WebP container', async () => {
    const webp = await canvas(3).webp().toBuffer();
    for (const bytes of [Buffer.from('RIFF\0\0\0\0WAVEfmt '), webp.subarray(0, 30)]) {
      await expect(readWebpChunks(memoryReader(bytes), bytes.length)).rejects.toBeInstanceOf(
        UnlabellableImageError,
      );
    }
  });
});
