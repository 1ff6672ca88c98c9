import type { AuditEntry, GalleryImage } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestService } from '../src/gallery/ingest.service.js';
import { TrashPurge } from '../src/gallery/trash/trash-purge.js';
import { TrashService } from '../src/gallery/trash/trash.service.js';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import { keepImage, patchImage, searchIds, setOwner, setStatus } from './gallery-search-kit.js';
import { createTestApp, testAdmin, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };
const dayMs = 86_400_000;

/**
 * Trash, not loss: DELETE moves an image to the trash (owner, curators, admins), where it keeps its
 * row and files but leaves every search and file route; it can be restored, and the purge removes it
 * for good once it has been there longer than the retention period.
 */
describe('the gallery trash', () => {
  let app: TestApp;
  let curator: TestSession;
  let owner: TestSession;
  let stranger: TestSession;

  afterEach(() => app.close());

  async function start(env: Record<string, string> = {}) {
    app = await createTestApp({ env: { ...comfyOn, ...env } });
    curator = await app.login('curator');
    owner = await app.login('user', 'owner');
    stranger = await app.login('user', 'stranger');
  }

  /** A curator keeps it; it becomes the plain user's own, approved so the whole team sees it. */
  async function ownersImage(positive: string): Promise<GalleryImage> {
    const image = await keepImage(app, curator, { positive });
    await setOwner(app, [image.id], owner.user.id);
    await setStatus(app, [image.id], 'approved');
    return image;
  }

  const del = (session: TestSession, id: number) =>
    app.request.delete(`/api/gallery/images/${id}`).set(session.bearer);
  const restore = (session: TestSession, id: number) =>
    app.request.post(`/api/gallery/images/${id}/restore`).set(session.bearer);
  const status = async (session: TestSession, url: string) =>
    (await app.request.get(url).set(session.bearer)).status;
  /** Backdates when images went to the trash. */
  async function trashedDaysAgo(ids: number[], days: number) {
    const at = new Date(Date.now() - days * dayMs).toISOString(); // ISO text on both engines
    await app.sql(`UPDATE "gallery_images" SET "trashed_at" = ? WHERE "id" IN (${ids.join(', ')})`, [at]);
  }

  /** The image's full-text rows: SQLite's FTS5 table; on Postgres the row carries its own (search_tsv). */
  const ftsRows = (id: number) =>
    app.engine === 'sqlite' ? rowCount('gallery_fts', 'rowid', id) : rowCount('gallery_images', 'id', id);

  async function rowCount(table: string, column: string, id: number): Promise<number> {
    const [row] = await app.sql<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM "${table}" WHERE "${column}" = ?`,
      [id],
    );
    return row ? Number(row.n) : -1;
  }

  it('moves an image to the trash: files stay on disk, it leaves search, detail and file, and only its owner and curators list it', async () => {
    await start();
    const image = await ownersImage('lighthouse at dawn');
    const other = await ownersImage('harbour at night');
    expect(await searchIds(app, stranger, { q: 'lighthouse' })).toEqual([image.id]);

    const res = await del(owner, image.id);
    expect([res.status, res.text]).toEqual([204, '']);
    expect(await filesUnder(app, 'generated')).toHaveLength(6);

    for (const session of [owner, stranger, curator]) {
      expect(await searchIds(app, session, { q: 'lighthouse' })).toEqual([]);
      expect(await searchIds(app, session, {})).toEqual([other.id]);
      expect(await status(session, `/api/gallery/images/${image.id}`)).toBe(404);
      expect(await status(session, image.file_url)).toBe(404);
    }
    // The trash page shows thumbnails to those who may restore the image, and to no one else.
    expect(await status(owner, image.thumbnail_url)).toBe(200);
    expect(await status(curator, image.thumbnail_url)).toBe(200);
    expect(await status(stranger, image.thumbnail_url)).toBe(404);

    expect(await searchIds(app, owner, { status: 'trashed' })).toEqual([image.id]);
    expect(await searchIds(app, owner, { q: 'status:trashed lighthouse' })).toEqual([image.id]);
    expect(await searchIds(app, owner, { q: 'status:trashed harbour' })).toEqual([]);
    expect(await searchIds(app, curator, { status: 'trashed' })).toEqual([image.id]);
    expect(await searchIds(app, stranger, { status: 'trashed' })).toEqual([]);

    const again = await del(owner, image.id);
    expect([again.status, again.body.code]).toEqual([404, 'gallery.not_found']);
  });

  it('restores an image: searchable by its words again, out of the trash', async () => {
    await start();
    const image = await ownersImage('lighthouse at dawn');
    expect((await del(curator, image.id)).status).toBe(204);
    expect(await searchIds(app, owner, { q: 'lighthouse' })).toEqual([]);

    const res = await restore(owner, image.id);
    expect([res.status, res.text]).toEqual([204, '']);
    for (const session of [owner, stranger, curator]) {
      expect(await searchIds(app, session, { q: 'lighthouse' })).toEqual([image.id]);
      expect(await searchIds(app, session, { status: 'trashed' })).toEqual([]);
      expect(await status(session, image.file_url)).toBe(200);
    }
    // Restoring what is not in the trash changes nothing.
    expect((await restore(owner, image.id)).status).toBe(204);
    expect(await searchIds(app, owner, { q: 'lighthouse' })).toEqual([image.id]);
  });

  it("refuses a plain user another's image: 403 to trash a visible one, 404 to restore one from the trash", async () => {
    await start();
    const image = await ownersImage('lighthouse at dawn');
    const forbidden = await del(stranger, image.id);
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'auth.forbidden']);
    expect(await searchIds(app, stranger, { q: 'lighthouse' })).toEqual([image.id]);

    expect((await del(owner, image.id)).status).toBe(204);
    const hidden = await restore(stranger, image.id);
    expect([hidden.status, hidden.body.code]).toEqual([404, 'gallery.not_found']);
    expect(await searchIds(app, owner, { status: 'trashed' })).toEqual([image.id]);
    const unknown = await restore(curator, 4242);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'gallery.not_found']);
  });

  it('counts what a trash or restore changed and what it skipped (another’s image, an unknown id)', async () => {
    await start();
    const own = await ownersImage('one');
    const alsoOwn = await ownersImage('two');
    const curators = await keepImage(app, curator, { positive: 'three' });
    const trash = app.nest.get(TrashService);

    expect(await trash.trash([own.id, own.id, curators.id, 4242], owner.user)).toEqual({
      affected: 1,
      skipped: 2,
      changedIds: [own.id],
    });
    // Already in the trash: neither affected nor skipped.
    expect(await trash.trash([own.id, alsoOwn.id], owner.user)).toEqual({
      affected: 1,
      skipped: 0,
      changedIds: [alsoOwn.id],
    });
    expect(await searchIds(app, curator, { status: 'trashed' })).toEqual([alsoOwn.id, own.id]);
    expect(await trash.restore([own.id, curators.id], stranger.user)).toEqual({
      affected: 0,
      skipped: 2,
      changedIds: [],
    });
    expect(await trash.restore([own.id, curators.id], curator.user)).toEqual({
      affected: 1,
      skipped: 0,
      changedIds: [own.id],
    });
    expect(await searchIds(app, owner, { status: 'trashed' })).toEqual([alsoOwn.id]);
    expect(await searchIds(app, owner, {})).toEqual([curators.id, own.id]);
  });

  it('purges after the retention period, not before: row, links, full-text row, original, sidecar and thumbnail', async () => {
    await start();
    const image = await ownersImage('lighthouse at dawn');
    const kept = await ownersImage('harbour at night');
    expect((await patchImage(app, owner, image.id, { tags: ['client-a'] })).status).toBe(200);
    expect((await del(owner, image.id)).status).toBe(204);
    const purge = app.nest.get(TrashPurge);

    expect(await purge.purgeNow()).toBe(0);
    await trashedDaysAgo([image.id], 29);
    expect(await purge.purgeNow()).toBe(0);
    expect(await filesUnder(app, 'generated')).toHaveLength(6);
    expect(await rowCount('gallery_images', 'id', image.id)).toBe(1);
    expect(await rowCount('gallery_image_tags', 'image_id', image.id)).toBe(1);
    expect(await ftsRows(image.id)).toBe(1);

    await trashedDaysAgo([image.id], 31);
    expect(await purge.purgeNow()).toBe(1);
    const day = kept.created_at.slice(0, 10);
    expect(await filesUnder(app, 'generated')).toEqual([
      `comfy/${day}/${kept.sha256}.json`,
      `comfy/${day}/${kept.sha256}.png`,
      `thumbnails/${kept.sha256}.webp`,
    ]);
    expect(await rowCount('gallery_images', 'id', image.id)).toBe(0);
    expect(await rowCount('gallery_image_tags', 'image_id', image.id)).toBe(0);
    expect(await ftsRows(image.id)).toBe(0);
    expect(await status(curator, image.thumbnail_url)).toBe(404);
    expect(await searchIds(app, curator, { status: 'trashed' })).toEqual([]);
    expect(await searchIds(app, curator, {})).toEqual([kept.id]);
  });

  it('takes the retention from the admin setting, and refuses one outside 1–3650 days', async () => {
    await start({ GALLERY_TRASH_RETENTION_DAYS: '7' });
    const admin = await app.loginAs(testAdmin.username, testAdmin.password);
    const image = await ownersImage('lighthouse at dawn');
    expect((await del(owner, image.id)).status).toBe(204);
    await trashedDaysAgo([image.id], 8);
    const patch = (body: object) => app.request.patch('/api/admin/config').set(admin.bearer).send(body);
    expect((await patch({ gallery_trash_retention_days: 0 })).status).toBe(400);
    expect((await patch({ gallery_trash_retention_days: 1.5 })).status).toBe(400);
    expect((await patch({ gallery_trash_retention_days: 3651 })).status).toBe(400);
    expect((await patch({ gallery_trash_retention_days: 10 })).status).toBe(200);
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(0);
    expect((await patch({ gallery_trash_retention_days: null })).status).toBe(200);
    expect(app.runtime.get().gallery_trash_retention_days).toBe(7);
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(1);
    expect(await filesUnder(app, 'generated')).toEqual([]);
  });

  it('purges at start what expired while the server was down', async () => {
    await start();
    const image = await ownersImage('lighthouse at dawn');
    expect((await del(owner, image.id)).status).toBe(204);
    await trashedDaysAgo([image.id], 31);
    await app.restart();
    // Passes run one after another: this one starts once the start's pass is over, and finds nothing left.
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(0);
    expect(await rowCount('gallery_images', 'id', image.id)).toBe(0);
    expect(await filesUnder(app, 'generated')).toEqual([]);
  });

  it('restores a trashed image when its bytes are kept again: same id, duplicate, restored', async () => {
    await start();
    const png = await images.png();
    const first = await ingest(app, curator, png, {});
    const image = first.body.image as GalleryImage;
    expect((await del(curator, image.id)).status).toBe(204);

    const again = await ingest(app, curator, png, {});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, restored: true, image: { id: image.id } });
    expect(await searchIds(app, curator, {})).toEqual([image.id]);
    expect(await filesUnder(app, 'generated')).toHaveLength(3);
    // Kept once more while not in the trash: an ordinary duplicate.
    const third = await ingest(app, curator, png, {});
    expect(third.body).toEqual({ duplicate: true, image: expect.objectContaining({ id: image.id }) });
  });

  it("leaves another's trashed image in the trash when a plain user keeps its bytes", async () => {
    await start();
    const png = await images.png();
    const image = (await ingest(app, curator, png, {})).body.image as GalleryImage;
    expect((await del(curator, image.id)).status).toBe(204);

    const kept = await app.nest.get(IngestService).store(owner.user, { buffer: png }, {});
    expect(kept).toEqual({ duplicate: true, image: expect.objectContaining({ id: image.id }) });
    expect(await searchIds(app, curator, { status: 'trashed' })).toEqual([image.id]);
  });

  it('never leaves a row without its files when a purge and a new keep of the same bytes meet', async () => {
    await start();
    const png = await images.png();
    const image = (await ingest(app, curator, png, {})).body.image as GalleryImage;
    expect((await del(curator, image.id)).status).toBe(204);
    await trashedDaysAgo([image.id], 31);

    const [purged, kept] = await Promise.all([
      app.nest.get(TrashPurge).purgeNow(),
      ingest(app, curator, png, {}),
    ]);
    const now = kept.body.image as GalleryImage;
    // Whichever ran first, the image in the gallery has its files, and nothing else is on disk.
    expect(purged === 1 ? kept.status : kept.body.restored).toBe(purged === 1 ? 201 : true);
    expect(await searchIds(app, curator, {})).toEqual([now.id]);
    expect(await status(curator, now.file_url)).toBe(200);
    expect(await filesUnder(app, 'generated')).toHaveLength(3);
  });

  it('audits trash and restore with their images, and the purge as a deletion by who trashed it', async () => {
    await start();
    const admin = await app.loginAs(testAdmin.username, testAdmin.password);
    const image = await ownersImage('lighthouse at dawn');
    const other = await ownersImage('harbour at night');
    expect((await del(owner, image.id)).status).toBe(204);
    expect((await restore(curator, image.id)).status).toBe(204);
    expect((await app.nest.get(TrashService).trash([image.id, other.id], owner.user)).affected).toBe(2);
    await trashedDaysAgo([image.id], 31);
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(1);

    const res = await app.request.get('/api/admin/audit').set(admin.bearer);
    const items = (res.body as { items: AuditEntry[] }).items;
    const actor = (session: TestSession) => ({ id: session.user.id, username: session.user.username });
    expect(items.map(({ actor, action, target, details }) => ({ actor, action, target, details }))).toEqual([
      {
        actor: actor(owner),
        action: 'gallery.image_deleted',
        target: { type: 'image', id: String(image.id), label: image.sha256.slice(0, 12) },
        details: {
          sha256: image.sha256,
          mime: 'image/png',
          prompt_id: null,
          created_by: owner.user.id,
          trashed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
      {
        actor: actor(owner),
        action: 'gallery.images_trashed',
        target: { type: 'image', id: null, label: '2 images' },
        details: { ids: [image.id, other.id] },
      },
      {
        actor: actor(curator),
        action: 'gallery.images_restored',
        target: { type: 'image', id: String(image.id), label: null },
        details: { ids: [image.id] },
      },
      {
        actor: actor(owner),
        action: 'gallery.images_trashed',
        target: { type: 'image', id: String(image.id), label: null },
        details: { ids: [image.id] },
      },
    ]);
  });
});
