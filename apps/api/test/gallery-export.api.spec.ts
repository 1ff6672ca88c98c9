import type { GalleryImage } from '@atelier/contract';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportZip, parseCsv, pythonTestZip, readZip, type ZipEntry } from './gallery-export-kit.js';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import { apiPrompt, keepImage, setReviewStatus } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const label = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * GET /api/gallery/export.zip (issue 12): a STORED ZIP with a Content-Length up front, labelled copies
 * (IPTC DigitalSourceType in XMP), optional sidecars, manifest.csv last, redaction, and the
 * visibility of every gallery read. One app: the tests only read (but for a board and a trashed image of their own, at the end).
 */
describe('GET /api/gallery/export.zip', () => {
  let app: TestApp;
  let curator: TestSession;
  let other: TestSession;
  let user: TestSession;
  const img: Record<'png' | 'jpeg' | 'webp' | 'comfy' | 'hidden', GalleryImage> = {} as never;

  const keep = async (file: Buffer, name: string, positive: string, seed: number) => {
    const workflow = JSON.stringify(apiPrompt({ positive, seed, checkpoint: 'sd_export.safetensors' }));
    const res = await ingest(app, curator, file, { workflow }, name);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.image as GalleryImage;
  };

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    other = await app.login('curator', 'other-curator');
    user = await app.login('user');
    // The real ComfyUI output: a tEXt `prompt` chunk holding the API prompt.
    const comfy = await readFile(
      join(import.meta.dirname, '../../../packages/comfy-sim/test/recordings/view_output_png.png'),
    );
    const res = await ingest(app, curator, comfy, {}, 'ComfyUI_00001_.png');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    img.comfy = res.body.image as GalleryImage;
    img.png = await keep(await images.png(), 'a.png', '=HYPERLINK("x"), a "quoted" lighthouse', 11);
    img.jpeg = await keep(await images.jpeg(), 'b.jpg', 'harbour at dawn', 12);
    img.webp = await keep(await images.webp(), 'c.webp', 'ghost ship', 13);
    img.hidden = await keepImage(app, other, { positive: 'secret sketch', seed: 14 });
    await setReviewStatus(app, [img.hidden.id], 'private');
  });

  afterAll(() => app.close());

  const byName = (entries: ZipEntry[]) => new Map(entries.map((entry) => [entry.name, entry]));
  const imageEntries = (entries: ZipEntry[]) =>
    entries.filter((entry) => /\.(png|jpg|jpeg|webp)$/.test(entry.name));
  const manifestOf = (entries: ZipEntry[]) => {
    const manifest = byName(entries).get('manifest.csv');
    expect(manifest).toBeDefined();
    const [header = [], ...rows] = parseCsv(manifest?.data.toString('utf8') ?? '');
    return rows.map((row) => Object.fromEntries(header.map((key, i) => [key, row[i] ?? ''])));
  };

  it('streams a STORED ZIP whose Content-Length is exactly the bytes sent, manifest.csv last', async () => {
    const ids = [img.png.id, img.jpeg.id, img.webp.id];
    const res = await exportZip(app, curator, { ids: ids.join(',') });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="atelier-export-[0-9-]+\.zip"$/,
    );
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const entries = readZip(res.body);
    // Newest first, named by id and hash prefix only; no sidecars unless asked.
    expect(entries.map((entry) => entry.name)).toEqual([
      `${img.webp.id}-${img.webp.sha256.slice(0, 12)}.webp`,
      `${img.jpeg.id}-${img.jpeg.sha256.slice(0, 12)}.jpg`,
      `${img.png.id}-${img.png.sha256.slice(0, 12)}.png`,
      'manifest.csv',
    ]);
    expect(entries.every((entry) => entry.method === 0)).toBe(true);
    const python = pythonTestZip(res.body);
    expect(python[0]).toBe('OK');
    expect(python.slice(1).every((line) => line.startsWith('0 '))).toBe(true);
  });

  it('lists each copy in manifest.csv: its size in the ZIP, the original, owner, settings, prompt', async () => {
    const res = await exportZip(app, curator, { ids: `${img.png.id},${img.jpeg.id}` });
    const entries = readZip(res.body);
    const rows = manifestOf(entries);
    expect(rows.map((row) => Number(row.id))).toEqual([img.jpeg.id, img.png.id]);
    for (const row of rows) {
      const entry = byName(entries).get(row.file ?? '');
      expect(entry).toBeDefined();
      expect(Number(row.bytes)).toBe(entry?.size);
    }
    expect(rows[1]).toMatchObject({
      original_sha256: img.png.sha256,
      width: '64',
      height: '48',
      owner: curator.user.username,
      created_at: img.png.created_at,
      checkpoint: 'sd_export.safetensors',
      seed: '11',
      // A cell a spreadsheet would run as a formula is defused; quotes survive the CSV quoting.
      positive_prompt: `'=HYPERLINK("x"), a "quoted" lighthouse`,
    });
  });

  it('labels every copy with IPTC DigitalSourceType in XMP; the copies still decode to the same pixels', async () => {
    const ids = [img.png.id, img.jpeg.id, img.webp.id, img.comfy.id];
    const entries = imageEntries(readZip((await exportZip(app, curator, { ids: ids.join(',') })).body));
    expect(entries).toHaveLength(4);
    const originals = await originalsById(ids);
    for (const entry of entries) {
      const original = originals.get(Number(entry.name.split('-')[0]));
      expect(original).toBeDefined();
      expect(entry.data.includes(label), entry.name).toBe(true);
      expect(original?.includes(label)).toBe(false);
      // sharp finds the packet where each format keeps XMP (iTXt, APP1, the XMP chunk of a VP8X file).
      const meta = await sharp(entry.data).metadata();
      expect(meta.xmp?.toString('utf8'), entry.name).toContain(label);
      const [copyPixels, originalPixels] = await Promise.all(
        [entry.data, original ?? Buffer.alloc(0)].map((bytes) => sharp(bytes).raw().toBuffer()),
      );
      expect(copyPixels?.equals(originalPixels ?? Buffer.alloc(0)), entry.name).toBe(true);
    }
  });

  it('leaves the originals on disk as they were', async () => {
    const before = await hashesUnder();
    const res = await exportZip(app, curator, {
      ids: `${img.comfy.id},${img.png.id}`,
      sidecars: 1,
      redact: 1,
    });
    expect(res.status).toBe(200);
    expect(await hashesUnder()).toEqual(before);
  });

  it('adds the JSON sidecars with sidecars=1, and only then', async () => {
    const ids = `${img.png.id},${img.jpeg.id}`;
    const without = readZip((await exportZip(app, curator, { ids })).body);
    expect(without.filter((entry) => entry.name.endsWith('.json'))).toEqual([]);
    const res = await exportZip(app, curator, { ids, sidecars: 1 });
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const sidecar = byName(readZip(res.body)).get(`${img.png.id}-${img.png.sha256.slice(0, 12)}.json`);
    const parsed = JSON.parse(sidecar?.data.toString('utf8') ?? '{}') as Record<string, unknown>;
    expect(parsed.sha256).toBe(img.png.sha256);
    expect(JSON.stringify(parsed.workflow)).toContain('quoted\\" lighthouse');
  });

  it('redact=1 strips the prompt from a ComfyUI PNG, params and workflow from sidecars, prompts from the manifest', async () => {
    const ids = `${img.comfy.id},${img.png.id}`;
    const plain = byName(readZip((await exportZip(app, curator, { ids })).body));
    const comfyName = `${img.comfy.id}-${img.comfy.sha256.slice(0, 12)}.png`;
    expect(plain.get(comfyName)?.data.includes('tEXtprompt')).toBe(true);
    expect(plain.get(comfyName)?.data.includes('"class_type"')).toBe(true);

    const res = await exportZip(app, curator, { ids, sidecars: 1, redact: 1 });
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const entries = readZip(res.body);
    const redacted = byName(entries).get(comfyName)?.data ?? Buffer.alloc(0);
    expect(redacted.includes('tEXt')).toBe(false);
    expect(redacted.includes('"class_type"')).toBe(false);
    expect(redacted.includes(label)).toBe(true);
    expect((await sharp(redacted).metadata()).width).toBe(img.comfy.width);
    // The PNG kept with a workflow field has no text chunk: the prompt lived in its sidecar.
    for (const entry of entries.filter((e) => e.name.endsWith('.json'))) {
      const sidecar = JSON.parse(entry.data.toString('utf8')) as Record<string, unknown>;
      expect(Object.keys(sidecar)).not.toContain('workflow');
      expect(Object.keys(sidecar)).not.toContain('params');
      expect(Object.keys(sidecar)).not.toContain('metadata');
      expect(sidecar.sha256).toBeDefined();
      expect(entry.data.includes('lighthouse')).toBe(false);
    }
    expect(entries.filter((e) => e.name.endsWith('.json'))).toHaveLength(2);
    const rows = manifestOf(entries);
    expect(Object.keys(rows[0] ?? {})).not.toContain('positive_prompt');
    expect(byName(entries).get('manifest.csv')?.data.includes('lighthouse')).toBe(false);
  });

  it("does not let a plain user export another user's private image", async () => {
    const mixed = readZip((await exportZip(app, user, { ids: `${img.png.id},${img.hidden.id}` })).body);
    expect(manifestOf(mixed).map((row) => Number(row.id))).toEqual([img.png.id]);
    const only = await exportZip(app, user, { ids: String(img.hidden.id) });
    expect(only.status).toBe(400);
    expect(JSON.parse(only.body.toString('utf8'))).toMatchObject({ code: 'validation_failed' });
    const all = readZip((await exportZip(app, user, {})).body);
    expect(manifestOf(all).map((row) => Number(row.id))).not.toContain(img.hidden.id);
    expect(manifestOf(all)).toHaveLength(4);
    // Its owner and curators export it.
    const own = readZip((await exportZip(app, other, { ids: String(img.hidden.id) })).body);
    expect(manifestOf(own).map((row) => Number(row.id))).toEqual([img.hidden.id]);
  });

  it('exports what a search matches, and answers 400 when nothing matches', async () => {
    const found = readZip((await exportZip(app, curator, { q: 'harbour' })).body);
    expect(manifestOf(found).map((row) => Number(row.id))).toEqual([img.jpeg.id]);
    const none = await exportZip(app, curator, { q: 'nothing-matches-this' });
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body.toString('utf8'))).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses ids mixed with filters, and malformed flags or ids', async () => {
    const refused: Record<string, string>[] = [
      { ids: String(img.png.id), q: 'harbour' },
      { ids: 'one,two' },
      { ids: '' },
      { redact: 'yes' },
      { sidecars: '2' },
    ];
    for (const query of refused) {
      const res = await exportZip(app, curator, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('labels GET …/file?download=1 as it streams; viewing inline still sends the original', async () => {
    for (const image of [img.png, img.jpeg, img.webp]) {
      const inline = (await originalsById([image.id])).get(image.id) ?? Buffer.alloc(0);
      expect(sha256(inline)).toBe(image.sha256);
      const res = await app.request
        .get(`/api/gallery/images/${image.id}/file?download=1`)
        .set(curator.bearer)
        .set('Range', 'bytes=0-9')
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        });
      const copy = res.body as Buffer;
      // Another representation: whole (no ranges), its own validator.
      expect(res.status).toBe(200);
      expect(res.headers['accept-ranges']).toBe('none');
      expect(res.headers['content-disposition']).toMatch(/^attachment; /);
      expect(Number(res.headers['content-length'])).toBe(copy.length);
      expect(res.headers.etag).toBe(`"${image.sha256}-labelled"`);
      expect((await sharp(copy).metadata()).xmp?.toString('utf8')).toContain(label);
      const [a, b] = await Promise.all([copy, inline].map((bytes) => sharp(bytes).raw().toBuffer()));
      expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
      const again = await app.request
        .get(`/api/gallery/images/${image.id}/file?download=1`)
        .set(curator.bearer)
        .set('If-None-Match', String(res.headers.etag));
      expect(again.status).toBe(304);
    }
  });

  it('exports a board (board=ID): the images on it that the user can see', async () => {
    const board = await app.request.post('/api/boards').set(curator.bearer).send({ name: 'export picks' });
    expect(board.status, JSON.stringify(board.body)).toBe(201);
    const boardId = (board.body as { id: number }).id;
    const added = await app.request
      .post('/api/gallery/bulk')
      .set(curator.bearer)
      .send({
        selection: { ids: [img.jpeg.id, img.webp.id] },
        action: { type: 'board_add', board_id: boardId },
      });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    const entries = readZip((await exportZip(app, curator, { board: boardId })).body);
    expect(manifestOf(entries).map((row) => Number(row.id))).toEqual([img.webp.id, img.jpeg.id]);
  });

  it('never exports an image from the trash, even when the trash is searched', async () => {
    const trashed = await keep(await images.png(), 't.png', 'thrown away', 21);
    expect((await app.request.delete(`/api/gallery/images/${trashed.id}`).set(curator.bearer)).status).toBe(
      204,
    );
    const queries: Record<string, string>[] = [{ ids: String(trashed.id) }, { status: 'trashed' }];
    for (const query of queries) {
      const res = await exportZip(app, curator, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
    const mixed = readZip((await exportZip(app, curator, { ids: `${img.png.id},${trashed.id}` })).body);
    expect(manifestOf(mixed).map((row) => Number(row.id))).toEqual([img.png.id]);
  });

  async function originalsById(ids: number[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    for (const id of ids) {
      const res = await app.request
        .get(`/api/gallery/images/${id}/file`)
        .set(curator.bearer)
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        });
      out.set(id, res.body as Buffer);
    }
    return out;
  }

  async function hashesUnder(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const path of await filesUnder(app, 'generated')) {
      out[path] = sha256(await readFile(join(app.rootDir, 'generated', path)));
    }
    return out;
  }
});
