import type { MeResponse, WebhookEndpointView, WebhookEndpointWithSecret } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './comfy-kit.js';
import { appThatDisablesAtOnce, startReceiver, status, type WebhookReceiver } from './webhook-receiver.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * Issue 15: "an endpoint failing for days is disabled and its owner told". The web has no per-user live channel,
 * so GET /api/auth/me (read at boot and sign-in) counts the caller's endpoints Atelier turned off.
 */
describe('GET /api/auth/me counts the webhooks Atelier turned off', () => {
  let app: TestApp | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver?.close();
    receiver = undefined;
  });

  function current(): TestApp {
    if (!app) throw new Error('no app started');
    return app;
  }

  async function me(session: TestSession): Promise<MeResponse> {
    return (await current().request.get('/api/auth/me').set(session.bearer).expect(200)).body as MeResponse;
  }

  async function endpoint(session: TestSession, url: string): Promise<WebhookEndpointWithSecret> {
    return (
      await current()
        .request.post('/api/me/webhooks')
        .set(session.bearer)
        .send({ url, events: ['job.succeeded'] })
        .expect(201)
    ).body as WebhookEndpointWithSecret;
  }

  /** A test delivery to a receiver that answers 503: with a zero-day limit, the worker turns the endpoint off. */
  async function failUntilDisabled(session: TestSession, id: number): Promise<WebhookEndpointView> {
    await current().request.post(`/api/me/webhooks/${id}/test`).set(session.bearer).expect(202);
    return waitFor(
      async () =>
        (
          (await current().request.get('/api/me/webhooks').set(session.bearer).expect(200)).body as {
            items: WebhookEndpointView[];
          }
        ).items.find((item) => item.id === id),
      (item) => item?.disabled_at != null,
    ) as Promise<WebhookEndpointView>;
  }

  it('counts the owner’s endpoints the worker disabled, not one turned off by hand nor other users’; re-enabling or deleting takes them off', async () => {
    receiver = await startReceiver(status(503));
    app = await appThatDisablesAtOnce();
    const owner = await app.login('user');
    const other = await app.login('user', 'someone-else');
    const admin = await app.login('admin');

    expect(await me(owner)).toEqual({
      id: owner.user.id,
      username: owner.user.username,
      role: 'user',
      must_change_password: false,
      disabled_webhooks: 0,
    });

    const first = await endpoint(owner, receiver.url());
    const second = await endpoint(owner, `${receiver.url()}/second`);
    const byHand = await endpoint(owner, `${receiver.url()}/by-hand`);
    await app.request
      .patch(`/api/me/webhooks/${byHand.id}`)
      .set(owner.bearer)
      .send({ enabled: false })
      .expect(200);
    const others = await endpoint(other, receiver.url());

    expect((await failUntilDisabled(owner, first.id)).enabled).toBe(false);
    expect((await me(owner)).disabled_webhooks).toBe(1);
    await failUntilDisabled(owner, second.id);
    await failUntilDisabled(other, others.id);
    expect((await me(owner)).disabled_webhooks).toBe(2);
    expect((await me(other)).disabled_webhooks).toBe(1);
    // An admin sees everyone's endpoints in Account → Webhooks, but is told only of their own.
    expect((await me(admin)).disabled_webhooks).toBe(0);

    await app.request
      .patch(`/api/me/webhooks/${first.id}`)
      .set(owner.bearer)
      .send({ enabled: true })
      .expect(200);
    expect((await me(owner)).disabled_webhooks).toBe(1);
    await app.request.delete(`/api/me/webhooks/${second.id}`).set(owner.bearer).expect(204);
    expect((await me(owner)).disabled_webhooks).toBe(0);
    expect((await me(other)).disabled_webhooks).toBe(1);
  });

  it('answers an API key too, whatever its scopes', async () => {
    app = await createTestApp();
    const owner = await app.login('user');
    const { key } = (
      await app.request
        .post('/api/me/api-keys')
        .set(owner.bearer)
        .send({ name: 'script', scopes: ['jobs:read'] })
        .expect(201)
    ).body as { key: string };
    const answer = await app.request.get('/api/auth/me').set('X-Api-Key', key).expect(200);
    expect(answer.body).toMatchObject({ id: owner.user.id, disabled_webhooks: 0 });
  });
});
