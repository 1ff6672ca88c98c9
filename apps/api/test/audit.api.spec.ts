import type { AuditEntry, AuditPage } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { TrashPurge } from '../src/gallery/trash/trash-purge.js';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, LogCollector, testAdmin, type TestApp, type TestSession } from './test-app.js';

describe('the audit log (GET /api/admin/audit)', () => {
  let app: TestApp;
  let admin: TestSession;
  afterEach(() => app.close());

  async function start(env: Record<string, string> = {}, logs?: LogCollector) {
    app = await createTestApp({ env, ...(logs ? { logs } : {}) });
    admin = await app.loginAs(testAdmin.username, testAdmin.password);
  }

  async function page(query: Record<string, string | number> = {}): Promise<AuditPage> {
    const res = await app.request.get('/api/admin/audit').query(query).set(admin.bearer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as AuditPage;
  }

  const entries = async (query: Record<string, string | number> = {}) => (await page(query)).items;

  /** The answer to a change comes after its entry is written: no waiting. */
  async function entriesWhenThere(count: number): Promise<AuditEntry[]> {
    const items = await entries();
    expect(items).toHaveLength(count);
    return items;
  }

  const actorOf = (session: TestSession) => ({ id: session.user.id, username: session.user.username });
  const createUser = (body: object) => app.request.post('/api/admin/users').set(admin.bearer).send(body);

  it('starts empty: creating the first admin at first start is not an admin action', async () => {
    await start();
    expect(await page()).toEqual({ items: [], next_cursor: null });
  });

  it('records a settings change once, with who, when and each key from → to; no change, no entry', async () => {
    await start();
    const before = Date.now();
    await app.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_timeout: 45 }).expect(200);
    const [entry] = await entriesWhenThere(1);
    expect(entry).toEqual({
      id: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: actorOf(admin),
      action: 'settings.changed',
      target: { type: 'settings', id: null, label: null },
      details: { changed: { comfy_timeout: { from: 30, to: 45 } } },
    });
    expect(Date.parse(entry?.at ?? '')).toBeGreaterThanOrEqual(before - 5);

    // The same value again, and a refused value, change nothing and log nothing.
    await app.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_timeout: 45 }).expect(200);
    await app.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_timeout: -1 }).expect(400);
    // A reset is a change back to the default.
    await app.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_timeout: null }).expect(200);
    const [reset, first] = await entriesWhenThere(2);
    expect(first?.id).toBe(entry?.id);
    expect(reset?.details).toEqual({ changed: { comfy_timeout: { from: 45, to: 30 } } });
  });

  it('keeps the credentials of a URL setting out of the entry', async () => {
    await start();
    await app.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send({ comfy_api_url: 'http://comfy:s3cret-pass@127.0.0.1:9999' })
      .expect(200);
    const [entry] = await entriesWhenThere(1);
    expect(entry?.details).toEqual({
      changed: { comfy_api_url: { from: 'http://127.0.0.1:8188', to: 'http://127.0.0.1:9999' } },
    });
    expect(JSON.stringify(await page())).not.toContain('s3cret');
  });

  it('records a user created by an admin, never the password; a refused creation is not logged', async () => {
    await start();
    const password = 'the-new-users-password';
    const created = await createUser({ username: 'ada', password, role: 'curator' }).expect(201);
    await createUser({ username: 'ADA', password, role: 'user' }).expect(409);
    await createUser({ username: 'bob', password: 'short', role: 'user' }).expect(400);
    const curator = await app.login('curator');
    await app.request
      .post('/api/admin/users')
      .set(curator.bearer)
      .send({ username: 'eve', password, role: 'admin' })
      .expect(403);

    const body = await page();
    expect(body.items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        actor: actorOf(admin),
        action: 'user.created',
        target: { type: 'user', id: String(created.body.id), label: 'ada' },
        details: { role: 'curator' },
      },
    ]);
    expect(JSON.stringify(body)).not.toContain(password);
    expect(JSON.stringify(body)).not.toMatch(/argon2|hash/i);
  });

  it('records role changes and disabling as they happened; refused and empty changes are not logged', async () => {
    await start();
    const target = await app.user('user', 'grace');
    const patch = (body: object) =>
      app.request.patch(`/api/admin/users/${target.id}`).set(admin.bearer).send(body);
    await patch({ role: 'curator' }).expect(200);
    await patch({ role: 'curator' }).expect(200); // already a curator: nothing moved
    await patch({ disabled: true }).expect(200);
    await patch({ role: 'admin', disabled: false }).expect(200);
    await patch({ disabled: true }).expect(200);
    // Disabling or demoting the last enabled admin is refused.
    for (const body of [{ disabled: true }, { role: 'user' }]) {
      await app.request.patch(`/api/admin/users/${admin.user.id}`).set(admin.bearer).send(body).expect(409);
    }

    const items = await entries();
    expect(items.map((entry) => entry.action)).toEqual(Array(4).fill('user.updated'));
    expect(
      items.every((entry) => entry.target.id === String(target.id) && entry.target.label === 'grace'),
    ).toBe(true);
    expect(items.every((entry) => entry.actor.id === admin.user.id)).toBe(true);
    expect(items.map((entry) => entry.details).reverse()).toEqual([
      { role: { from: 'user', to: 'curator' } },
      { disabled: { from: false, to: true } },
      { role: { from: 'curator', to: 'admin' }, disabled: { from: true, to: false } },
      { disabled: { from: false, to: true } },
    ]);
  });

  it('records a password reset without the password or its hash; a reset of nobody is not logged', async () => {
    await start();
    const target = await app.user('user', 'hopper');
    const password = 'temporary-password-1';
    await app.request
      .post(`/api/admin/users/${target.id}/password`)
      .set(admin.bearer)
      .send({ password })
      .expect(200);
    await app.request.post('/api/admin/users/4242/password').set(admin.bearer).send({ password }).expect(404);

    const body = await page();
    expect(body.items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        actor: actorOf(admin),
        action: 'user.password_reset',
        target: { type: 'user', id: String(target.id), label: 'hopper' },
        details: { must_change_password: true },
      },
    ]);
    expect(JSON.stringify(body)).not.toContain(password);
    expect(JSON.stringify(body)).not.toMatch(/argon2/i);
  });

  it("records a curator's move to the trash, and the purge as a deletion by them; a deletion of an unknown or trashed image is not logged", async () => {
    await start({ COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' });
    const curator = await app.login('curator');
    const kept = await ingest(app, curator, await images.png());
    expect(kept.status).toBe(201);
    const image = kept.body.image as { id: number; sha256: string };
    await app.request.delete(`/api/gallery/images/${image.id}`).set(curator.bearer).expect(204);
    await app.request.delete(`/api/gallery/images/${image.id}`).set(curator.bearer).expect(404);
    await app.request.delete('/api/gallery/images/4242').set(curator.bearer).expect(404);

    const trashed = {
      id: expect.any(Number),
      at: expect.any(String),
      actor: actorOf(curator),
      action: 'gallery.images_trashed',
      target: { type: 'image', id: String(image.id), label: null },
      details: { ids: [image.id] },
    };
    expect(await entries()).toEqual([trashed]);

    // trashed_at is ISO text on both engines (the search schema).
    const trashedAt = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await app.sql(`UPDATE "gallery_images" SET "trashed_at" = ?`, [trashedAt]);
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(1);
    expect(await entries()).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        actor: actorOf(curator),
        action: 'gallery.image_deleted',
        target: { type: 'image', id: String(image.id), label: image.sha256.slice(0, 12) },
        details: {
          sha256: image.sha256,
          mime: 'image/png',
          prompt_id: null,
          created_by: curator.user.id,
          trashed_at: trashedAt,
        },
      },
      trashed,
    ]);
  });

  it('answers 403 to users and curators and 401 to anonymous callers', async () => {
    await start();
    for (const role of ['user', 'curator'] as const) {
      const session = await app.login(role);
      const res = await app.request.get('/api/admin/audit').set(session.bearer);
      expect([res.status, res.body.code], role).toEqual([403, 'auth.forbidden']);
    }
    const anonymous = await app.request.get('/api/admin/audit');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'auth.unauthenticated']);
  });

  it('pages newest first with the cursor, filters by action, and refuses bad queries with 400', async () => {
    await start();
    for (const name of ['u-one', 'u-two', 'u-three', 'u-four', 'u-five']) {
      await createUser({ username: name, password: `password-of-${name}`, role: 'user' }).expect(201);
    }
    const target = await app.user('user', 'u-six');
    await app.request.patch(`/api/admin/users/${target.id}`).set(admin.bearer).send({ role: 'curator' });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const next: AuditPage = await page(cursor ? { limit: 2, cursor } : { limit: 2 });
      expect(next.items.length).toBeLessThanOrEqual(2);
      seen.push(...next.items.map((entry) => `${entry.action} ${entry.target.label}`));
      cursor = next.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'user.updated u-six',
      'user.created u-five',
      'user.created u-four',
      'user.created u-three',
      'user.created u-two',
      'user.created u-one',
    ]);

    const created = await page({ action: 'user.created', limit: 4 });
    expect(created.items.map((entry) => entry.target.label)).toEqual([
      'u-five',
      'u-four',
      'u-three',
      'u-two',
    ]);
    const rest = await page({ action: 'user.created', limit: 4, cursor: created.next_cursor ?? '' });
    expect(rest).toEqual({
      items: [expect.objectContaining({ target: expect.objectContaining({ label: 'u-one' }) })],
      next_cursor: null,
    });

    for (const query of [
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('[0]').toString('base64url') },
      { cursor: Buffer.from('["1"]').toString('base64url') },
      { limit: 0 },
      { limit: 101 },
      { limit: 'ten' },
      { action: 'user.deleted' },
    ]) {
      const res = await app.request.get('/api/admin/audit').query(query).set(admin.bearer);
      expect([res.status, res.body.code], JSON.stringify(query)).toEqual([400, 'validation_failed']);
    }
  });

  it('does not fail the action when the entry cannot be written, and logs an error', async () => {
    const logs = new LogCollector();
    await start({ LOG_LEVEL: 'error' }, logs);
    await app.sql('DROP TABLE "audit_log"');

    const created = await createUser({
      username: 'lovelace',
      password: 'password-of-lovelace',
      role: 'user',
    });
    expect(created.status).toBe(201);
    await app.request
      .patch(`/api/admin/users/${created.body.id}`)
      .set(admin.bearer)
      .send({ disabled: true })
      .expect(200);
    const failures = logs.lines.filter((line) => line.msg === 'Could not write an audit log entry');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({ action: 'user.created', actorId: admin.user.id });
    expect(logs.text).not.toContain('password-of-lovelace');
  });
});
