import type { AuditEntry, AuditPage, WebhookEndpointView } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDeliveries } from '../src/webhooks/webhook-deliveries.service.js';
import { WebhookEndpointsRepository } from '../src/webhooks/webhook-endpoints.repository.js';
import { waitFor } from './comfy-kit.js';
import { keepImage } from './gallery-search-kit.js';
import { appThatDisablesAtOnce, startReceiver, status, type WebhookReceiver } from './webhook-receiver.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** API keys, webhook endpoints and share links open Atelier to the outside: each change is in the audit log. */
describe('the audit log of outward access', () => {
  let app: TestApp | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver?.close();
    receiver = undefined;
  });

  const audit = async (admin: TestSession, action?: string): Promise<AuditEntry[]> => {
    const res = await app!.request
      .get('/api/admin/audit')
      .query(action ? { action } : {})
      .set(admin.bearer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body as AuditPage).items;
  };

  it('records API keys, webhooks and share links made, changed and revoked, by whom, never a secret', async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    const admin = await app.login('admin');
    const cora = await app.login('curator', 'cora');
    const actor = { id: cora.user.id, username: 'cora' };

    const key = await app.request
      .post('/api/me/api-keys')
      .set(cora.bearer)
      .send({ name: 'nightly export', scopes: ['gallery:read'] });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    await app.request.delete(`/api/me/api-keys/${key.body.id}`).set(cora.bearer).expect(204);
    // Revoking it again changes nothing and records nothing.
    await app.request.delete(`/api/me/api-keys/${key.body.id}`).set(cora.bearer).expect(404);

    const hook = await app.request
      .post('/api/me/webhooks')
      .set(cora.bearer)
      .send({ url: 'https://receiver.example/hook', events: ['job.succeeded'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const hookId = (hook.body as WebhookEndpointView).id;
    await app.request
      .patch(`/api/me/webhooks/${hookId}`)
      .set(cora.bearer)
      .send({ enabled: false, rotate_secret: true })
      .expect(200);
    await app.request.delete(`/api/me/webhooks/${hookId}`).set(cora.bearer).expect(204);

    const image = await keepImage(app, cora, { positive: 'a kite over dunes', seed: 3 });
    const share = await app.request
      .post('/api/shares')
      .set(cora.bearer)
      .send({ target: { image_id: image.id }, password: 'open sesame 42' });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    // An admin revokes it: the admin is the actor, cora still its owner.
    await app.request.delete(`/api/shares/${share.body.id}`).set(admin.bearer).expect(204);

    const entries = (await audit(admin)).filter((entry) => /^(api_key|webhook|share)\./.test(entry.action));
    expect(entries.map((entry) => [entry.action, entry.actor.username]).reverse()).toEqual([
      ['api_key.created', 'cora'],
      ['api_key.revoked', 'cora'],
      ['webhook.created', 'cora'],
      ['webhook.updated', 'cora'],
      ['webhook.deleted', 'cora'],
      ['share.created', 'cora'],
      ['share.revoked', admin.user.username],
    ]);
    const [revokedShare, createdShare, deleted, updated, createdHook, revokedKey, createdKey] = entries;
    expect(createdKey).toMatchObject({
      actor,
      target: { type: 'api_key', id: String(key.body.id), label: 'nightly export' },
      details: {
        owner_id: cora.user.id,
        prefix: key.body.prefix,
        scopes: ['gallery:read'],
        expires_at: null,
      },
    });
    expect(revokedKey?.target).toEqual(createdKey?.target);
    expect(createdHook).toMatchObject({
      target: { type: 'webhook', id: String(hookId), label: 'https://receiver.example/hook' },
      details: { owner_id: cora.user.id, events: ['job.succeeded'], all_users: false },
    });
    expect(updated?.details).toEqual({
      owner_id: cora.user.id,
      enabled: { from: true, to: false },
      secret: 'rotated',
    });
    expect(deleted?.details).toEqual({ owner_id: cora.user.id, url: 'https://receiver.example/hook' });
    expect(createdShare).toMatchObject({
      target: { type: 'share', id: String(share.body.id), label: 'image' },
      details: { owner_id: cora.user.id, image_ids: [image.id], has_password: true, redact: true },
    });
    expect(revokedShare).toMatchObject({ actor: { id: admin.user.id }, details: { owner_id: cora.user.id } });
    const text = JSON.stringify(entries);
    for (const secret of [key.body.key, hook.body.secret, share.body.token, 'open sesame 42']) {
      expect(text).not.toContain(secret);
    }
    // The action filter knows the new actions.
    expect((await audit(admin, 'share.revoked')).map((entry) => entry.id)).toEqual([revokedShare?.id]);
  });

  it('records Atelier switching off a failing webhook as the system actor, and the owner sees why on the endpoint', async () => {
    receiver = await startReceiver(status(503));
    app = await appThatDisablesAtOnce();
    const admin = await app.login('admin');
    const owner = await app.login('user', 'hooky');
    const made = await app.request
      .post('/api/me/webhooks')
      .set(owner.bearer)
      .send({ url: receiver.url(), events: ['job.succeeded'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const endpoint = await app.nest
      .get(WebhookEndpointsRepository)
      .find((made.body as WebhookEndpointView).id);
    const id = await app.nest
      .get(WebhookDeliveries)
      .enqueue(endpoint!.endpoint, 'job.succeeded', { prompt_id: 'p' });
    expect(id).not.toBeNull();

    const [entry] = await waitFor(
      () => audit(admin, 'webhook.disabled'),
      (items) => items.length > 0,
    );
    expect(entry).toMatchObject({
      actor: { id: null, username: 'system' },
      action: 'webhook.disabled',
      target: { type: 'webhook', id: String(endpoint!.endpoint.id), label: receiver.url() },
      details: {
        owner_id: owner.user.id,
        url: receiver.url(),
        reason: expect.stringMatching(/failed since/),
      },
    });
    const mine = (await app.request.get('/api/me/webhooks').set(owner.bearer)).body as {
      items: WebhookEndpointView[];
    };
    expect(mine.items[0]).toMatchObject({
      enabled: false,
      disabled_at: expect.any(String),
      disabled_reason: entry?.details.reason,
    });
  });

  it('keeps audit_log whole after making actor_id nullable: its index, and people still named as actors', async () => {
    app = await createTestApp();
    const admin = await app.login('admin');
    // Each engine describes its own schema.
    const sqlite = app.engine === 'sqlite';
    const columns = await app.sql<{ name: string; notnull: number }>(
      sqlite
        ? `PRAGMA table_info("audit_log")`
        : `SELECT column_name AS "name", CASE is_nullable WHEN 'NO' THEN 1 ELSE 0 END AS "notnull" ` +
            `FROM information_schema.columns WHERE table_name = 'audit_log'`,
    );
    expect(columns.find((column) => column.name === 'actor_id')?.notnull).toBe(0);
    expect(columns.find((column) => column.name === 'actor_username')?.notnull).toBe(1);
    const indexes = await app.sql<{ name: string }>(
      sqlite
        ? `PRAGMA index_list("audit_log")`
        : `SELECT indexname AS "name" FROM pg_indexes WHERE tablename = 'audit_log'`,
    );
    expect(indexes.map((index) => index.name)).toContain('ix_audit_log_action');
    const user = await app.request
      .post('/api/admin/users')
      .set(admin.bearer)
      .send({ username: 'newcomer', password: 'a long enough password', role: 'user' });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    const [created] = await audit(admin, 'user.created');
    expect(created?.actor).toEqual({ id: admin.user.id, username: admin.user.username });
  });
});
