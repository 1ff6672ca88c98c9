import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { blockReader, UnlabellableImageError } from '../src/gallery/export/copy-plan.js';
import { jpegLabelSegment, planJpegCopy, readJpegSegments } from '../src/gallery/export/jpeg-label.js';
import { trainedAlgorithmicMedia } from '../src/gallery/export/xmp-packet.js';
import { jpegMarkers, jpegSegment, materialize, memoryReader } from './gallery-export-bytes-kit.js';

/** A JPEG from sharp (Exif APP1 with orientation, ICC APP2) with a JFIF APP0, a comment and an APP13 added. */
async function richJpeg(): Promise<Buffer> {
  const base = await sharp({ create: { width: 40, height: 24, channels: 3, background: '#3a6' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withIccProfile('srgb')
    .toBuffer();
  return Buffer.concat([
    base.subarray(0, 2),
    jpegSegment(0xe0, 'JFIF\0\x01\x01\0\0\x01\0\x01\0\0'),
    jpegSegment(0xfe, 'prompt: a secret castle'),
    jpegSegment(0xed, 'Photoshop 3.0\0secret caption'),
    base.subarray(2),
  ]);
}

async function plan(jpeg: Buffer, redact: boolean) {
  const read = memoryReader(jpeg);
  const segments = await readJpegSegments(blockReader(read), jpeg.length, redact);
  return { copy: materialize(planJpegCopy(segments, jpeg.length, redact), jpeg), read };
}

describe('JPEG labelling', () => {
  it('inserts an APP1 XMP segment after SOI and APP0, and changes nothing else', async () => {
    const jpeg = await richJpeg();
    const { copy } = await plan(jpeg, false);
    expect(copy.length).toBe(jpeg.length + jpegLabelSegment.length);
    expect(jpegMarkers(copy)).toEqual([0xe0, 0xe1, ...jpegMarkers(jpeg).slice(1)]);
    const app0End = 4 + jpeg.readUInt16BE(4);
    expect(copy.toString('latin1', app0End + 4, app0End + 33)).toBe('http://ns.adobe.com/xap/1.0/\0');
    expect(copy.subarray(app0End + jpegLabelSegment.length).equals(jpeg.subarray(app0End))).toBe(true);
    expect((await sharp(copy).metadata()).xmp?.toString()).toContain(trainedAlgorithmicMedia);
  });

  it('redacted: drops COM, Exif and APP13; keeps JFIF and the ICC profile; same pixels', async () => {
    const jpeg = await richJpeg();
    expect(jpegMarkers(jpeg)).toEqual(expect.arrayContaining([0xfe, 0xed, 0xe1, 0xe2]));
    const { copy } = await plan(jpeg, true);
    const kept = jpegMarkers(copy);
    expect(kept.filter((m) => m === 0xe1)).toHaveLength(1); // the label only
    expect(kept).not.toContain(0xfe);
    expect(kept).not.toContain(0xed);
    expect(kept).toContain(0xe2);
    expect(kept[0]).toBe(0xe0);
    expect(copy.includes('secret')).toBe(false);
    const meta = await sharp(copy).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeDefined();
    expect(meta.xmp?.toString()).toContain(trainedAlgorithmicMedia);
    const [a, b] = await Promise.all([copy, jpeg].map((bytes) => sharp(bytes).raw().toBuffer()));
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
  });

  it('reads the segment headers, not the scan', async () => {
    const jpeg = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#123' } })
      .jpeg({ quality: 100 })
      .toBuffer();
    const { read } = await plan(jpeg, true);
    expect(read.bytesRead).toBeLessThan(jpeg.length);
    expect(read.bytesRead).toBeLessThanOrEqual(64 * 1024 + 4096);
  });

  it('refuses what is not a JPEG laid out as one', async () => {
    const jpeg = await richJpeg();
    for (const bytes of [
      Buffer.from('GIF89a'),
      jpeg.subarray(0, 40),
      Buffer.from([0xff, 0xd8, 0x00, 0x10]),
    ]) {
      await expect(readJpegSegments(memoryReader(bytes), bytes.length, true)).rejects.toBeInstanceOf(
        UnlabellableImageError,
      );
    }
  });
});
