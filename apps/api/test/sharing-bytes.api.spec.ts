import type { GalleryImage, ShareCreated } from '@atelier/contract';
import type { Response } from 'supertest';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegMarkers, jpegSegment } from './gallery-export-bytes-kit.js';
import { ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** Binary bodies as Buffers, whatever their content type. */
function binary(res: Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

const secret = 'a secret castle at midnight';

/** The chunk types of a WebP (RIFF) file. */
function webpChunks(webp: Buffer): string[] {
  expect(webp.toString('latin1', 0, 4)).toBe('RIFF');
  expect(webp.toString('latin1', 8, 12)).toBe('WEBP');
  const out: string[] = [];
  for (
    let at = 12;
    at + 8 <= webp.length;
    at += 8 + webp.readUInt32LE(at + 4) + (webp.readUInt32LE(at + 4) % 2)
  ) {
    out.push(webp.toString('latin1', at, at + 4));
  }
  return out;
}

const canvas = () => sharp({ create: { width: 48, height: 32, channels: 3, background: '#4a7' } });

/** Exif (its ImageDescription holds the prompt) and a comment holding it again. */
async function jpegWithPrompt(): Promise<Buffer> {
  const base = await canvas()
    .jpeg()
    .withExif({ IFD0: { ImageDescription: secret } })
    .toBuffer();
  return Buffer.concat([base.subarray(0, 2), jpegSegment(0xfe, `prompt: ${secret}`), base.subarray(2)]);
}

/** The same JPEG with stray bytes after its comment: decoders skip them, our segment reader refuses the layout. */
async function jpegWithStrayBytes(): Promise<Buffer> {
  const base = await canvas().jpeg().toBuffer();
  return Buffer.concat([
    base.subarray(0, 2),
    jpegSegment(0xfe, `prompt: ${secret}`),
    Buffer.from([0x00, 0x11, 0x22]),
    base.subarray(2),
  ]);
}

async function webpWithPrompt(): Promise<Buffer> {
  const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>${secret}</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`;
  return canvas()
    .webp()
    .withExif({ IFD0: { ImageDescription: secret } })
    .withXmp(xmp)
    .toBuffer();
}

describe('share links: the bytes of redacted JPEG and WebP images', () => {
  let app: TestApp;
  let curator: TestSession;

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
  });
  afterAll(() => app.close());

  const keep = async (bytes: Buffer, name: string): Promise<GalleryImage> => {
    const res = await ingest(app, curator, bytes, {}, name);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.image as GalleryImage;
  };
  const share = async (body: object): Promise<ShareCreated> => {
    const res = await app.request.post('/api/shares').set(curator.bearer).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ShareCreated;
  };
  const file = (token: string, id: number, query = '') =>
    app.request.get(`/api/public/shares/${token}/images/${id}/file${query}`).buffer(true).parse(binary);

  it('a redacted JPEG keeps neither its Exif nor its comment, viewed or downloaded', async () => {
    const original = await jpegWithPrompt();
    expect(jpegMarkers(original)).toEqual(expect.arrayContaining([0xfe, 0xe1]));
    const image = await keep(original, 'castle.jpg');
    const plain = await share({ target: { image_id: image.id }, redact: false });
    expect(((await file(plain.token, image.id)).body as Buffer).includes(secret)).toBe(true);

    const created = await share({ target: { image_id: image.id }, allow_download: true });
    for (const query of ['', '?download=1']) {
      const res = await file(created.token, image.id, query);
      expect(res.status).toBe(200);
      const bytes = res.body as Buffer;
      const markers = jpegMarkers(bytes);
      expect(markers).not.toContain(0xfe);
      // The only APP1 left is the AI-content label (XMP), never Exif.
      expect(bytes.includes('Exif\0')).toBe(false);
      expect(bytes.includes(secret)).toBe(false);
      expect(bytes.includes('trainedAlgorithmicMedia')).toBe(true);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 48, 32, undefined]);
    }
  });

  it('a redacted WebP keeps neither its EXIF chunk nor its XMP description', async () => {
    const original = await webpWithPrompt();
    expect(webpChunks(original)).toEqual(expect.arrayContaining(['VP8X', 'EXIF', 'XMP ']));
    const image = await keep(original, 'castle.webp');
    const created = await share({ target: { image_id: image.id }, allow_download: true });
    for (const query of ['', '?download=1']) {
      const res = await file(created.token, image.id, query);
      expect(res.status).toBe(200);
      const bytes = res.body as Buffer;
      const chunks = webpChunks(bytes);
      expect(chunks).not.toContain('EXIF');
      expect(bytes.includes(secret)).toBe(false);
      // VP8X says whether an EXIF chunk follows (flag 0x08): it must not claim one any more.
      expect((bytes[20] ?? 0) & 0x08).toBe(0);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['webp', 48, 32, undefined]);
    }
  });

  it('re-encodes an image whose layout cannot be rewritten: a valid image, without the prompt', async () => {
    const original = await jpegWithStrayBytes();
    expect((await sharp(original).metadata()).format).toBe('jpeg');
    const image = await keep(original, 'stray.jpg');
    const created = await share({ target: { image_id: image.id }, allow_download: true });
    for (const query of ['', '?download=1']) {
      const res = await file(created.token, image.id, query);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      // Made by sharp from the pixels, not a rewritten copy of the file.
      expect(res.headers.etag).toMatch(/-reencoded"$/);
      const bytes = res.body as Buffer;
      expect(bytes.includes(secret)).toBe(false);
      expect(jpegMarkers(bytes)).not.toContain(0xfe);
      const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([48, 32]);
      // The pixels are the original's colour (JPEG is lossy: near it, not equal).
      expect(Math.abs((data[0] ?? 0) - 0x44)).toBeLessThan(12);
      expect(Math.abs((data[1] ?? 0) - 0xaa)).toBeLessThan(12);
    }
  });
});
