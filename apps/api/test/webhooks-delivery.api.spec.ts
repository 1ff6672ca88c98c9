import type { BackgroundOverview, WebhookAttempt, WebhookPayload } from '@atelier/contract';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEventMap } from '../src/events/app-events.js';
import { EventBus } from '../src/events/event-bus.js';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_RETRY_DELAYS } from '../src/webhooks/delivery-worker.js';
import { WebhookDeliveries } from '../src/webhooks/webhook-deliveries.service.js';
import { parseAttempts, WebhookDeliveriesRepository } from '../src/webhooks/webhook-deliveries.repository.js';
import { WebhookEndpointsRepository } from '../src/webhooks/webhook-endpoints.repository.js';
import { waitFor } from './comfy-kit.js';
import { startReceiver, status, type Answer, type WebhookReceiver } from './webhook-receiver.js';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

describe('webhook deliveries (stored, then sent by the worker)', () => {
  let app: TestApp | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver?.close();
    receiver = undefined;
  });

  async function start(options: {
    env?: Record<string, string>;
    retryDelaysMs?: number[];
    disableAfterMs?: number;
  }) {
    const overrides: NonNullable<TestAppOptions['overrides']>[number][] = [
      [WEBHOOK_RETRY_DELAYS, options.retryDelaysMs ?? [50, 50, 50]],
    ];
    if (options.disableAfterMs !== undefined)
      overrides.push([WEBHOOK_DISABLE_AFTER_MS, options.disableAfterMs]);
    const started = await createTestApp({ env: options.env ?? {}, overrides });
    app = started;
    return started;
  }

  function current(): TestApp {
    if (!app) throw new Error('no app started');
    return app;
  }
  const deliveries = () => current().nest.get(WebhookDeliveries);
  const repository = () => current().nest.get(WebhookDeliveriesRepository);
  const endpoints = () => current().nest.get(WebhookEndpointsRepository);

  async function endpointTo(url: string) {
    const owner = await current().user('user');
    return endpoints().insert({
      ownerId: owner.id,
      url,
      secret: deliveries().newSecret(),
      events: ['job.succeeded'],
      allUsers: false,
    });
  }

  const settled = (id: string) =>
    waitFor(
      () => repository().findDelivery(id),
      (row) => row !== null && row.status !== 'pending',
    );

  it('enqueue stores a pending {type, timestamp, data} delivery; redeliver sends the same body under a new id', async () => {
    await start({});
    const endpoint = await endpointTo('https://receiver.example/hook');
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = (await deliveries().enqueue(endpoint, 'job.succeeded', { prompt_id: 'p1' })) ?? '';
    const row = await repository().findDelivery(id);
    expect(row?.endpointId).toBe(endpoint.id);
    const payload = JSON.parse(row?.payloadJson ?? '{}') as WebhookPayload;
    expect(payload).toEqual({
      type: 'job.succeeded',
      timestamp: expect.any(String),
      data: { prompt_id: 'p1' },
    });
    const again = (await deliveries().redeliver(id)) ?? '';
    expect(again).not.toBe(id);
    expect((await repository().findDelivery(again))?.payloadJson).toBe(row?.payloadJson);
    expect(await deliveries().redeliver('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('retries an allow-listed receiver after two 500s; the third try is delivered and verifies with standardwebhooks', async () => {
    const answers: Answer[] = [status(500), status(500), status(200)];
    receiver = await startReceiver((index, res) => (answers[index] ?? status(200))(index, res));
    await start({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const endpoint = await endpointTo(receiver.url());
    const id =
      (await deliveries().enqueue(endpoint, 'job.succeeded', { prompt_id: 'p1', status: 'success' })) ?? '';

    const row = await settled(id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, nextAttemptAt: null });
    expect(
      parseAttempts(row?.attemptLogJson ?? '[]').map((attempt: WebhookAttempt) => attempt.status),
    ).toEqual([500, 500, 200]);
    expect(receiver.hits).toHaveLength(3);
    for (const hit of receiver.hits) expect(hit.headers['webhook-id']).toBe(id);
    const last = receiver.hits[2];
    const verified = new Webhook(endpoint.secret).verify(last?.body ?? '', {
      'webhook-id': String(last?.headers['webhook-id']),
      'webhook-timestamp': String(last?.headers['webhook-timestamp']),
      'webhook-signature': String(last?.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ type: 'job.succeeded', data: { prompt_id: 'p1', status: 'success' } });
    // A body changed in transit does not verify.
    expect(() =>
      new Webhook(endpoint.secret).verify(`${last?.body ?? ''} `, {
        'webhook-id': String(last?.headers['webhook-id']),
        'webhook-timestamp': String(last?.headers['webhook-timestamp']),
        'webhook-signature': String(last?.headers['webhook-signature']),
      }),
    ).toThrow();
  });

  it('refuses a loopback receiver without the allow-list: no connection, and the tries are logged as refused', async () => {
    receiver = await startReceiver();
    await start({ retryDelaysMs: [20] });
    const endpoint = await endpointTo(receiver.url());
    const row = await settled((await deliveries().enqueue(endpoint, 'job.succeeded', {})) ?? '');
    expect(row).toMatchObject({ status: 'gave_up', attempts: 2, lastStatus: null });
    expect(row?.lastError).toMatch(/^refused: /);
    expect(receiver.hits).toHaveLength(0);
  });

  it('lists a delivery that gave up as a failed webhook.deliver job; an admin’s retry sends its body again as a new delivery', async () => {
    receiver = await startReceiver(status(500));
    await start({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, retryDelaysMs: [20] });
    const endpoint = await endpointTo(receiver.url());
    const id = (await deliveries().enqueue(endpoint, 'job.succeeded', { prompt_id: 'p9' })) ?? '';
    expect(await settled(id)).toMatchObject({ status: 'gave_up', attempts: 2, lastStatus: 500 });
    const admin = await current().login('admin');
    const overview = await waitFor(
      async () =>
        (await current().request.get('/api/admin/background').set(admin.bearer).expect(200))
          .body as BackgroundOverview,
      (view) => view.queues.some((q) => q.name === 'webhook.deliver' && q.counts.failed === 1),
    );
    expect(overview.queues.find((q) => q.name === 'webhook.deliver')?.failed).toMatchObject([
      { id, reason: 'HTTP 500 (gave up after 2 tries)', attempts: 2 },
    ]);

    await current()
      .request.post(`/api/admin/background/webhook.deliver/${id}/retry`)
      .set(admin.bearer)
      .expect(204);
    const log = await waitFor(
      () => repository().deliveriesOf(endpoint.id, 10),
      (rows) => rows.length === 2 && rows.every((row) => row.status !== 'pending'),
    );
    const again = log.find((row) => row.id !== id);
    expect(again?.payloadJson).toBe((await repository().findDelivery(id))?.payloadJson);
    expect(again).toMatchObject({ status: 'gave_up', attempts: 2 });
    // The first delivery's log is kept as it was.
    expect(await repository().findDelivery(id)).toMatchObject({ status: 'gave_up', attempts: 2 });
  });

  it('disables an endpoint failing for longer than the limit, gives up its deliveries and publishes webhook.disabled', async () => {
    receiver = await startReceiver(status(503));
    await start({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, disableAfterMs: 0 });
    const events: AppEventMap['webhook.disabled'][] = [];
    current()
      .nest.get(EventBus)
      .subscribe('webhook.disabled', (event) => void events.push(event));
    const endpoint = await endpointTo(receiver.url());
    const row = await settled((await deliveries().enqueue(endpoint, 'job.succeeded', {})) ?? '');
    expect(row).toMatchObject({ status: 'gave_up', attempts: 1, lastStatus: 503 });
    const disabled = (await endpoints().find(endpoint.id))?.endpoint;
    expect(disabled).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/failed since/) });
    expect(events).toEqual([
      {
        endpointId: endpoint.id,
        ownerId: endpoint.ownerId,
        url: endpoint.url,
        reason: disabled?.disabledReason,
      },
    ]);
    // A disabled endpoint gets nothing new.
    expect(await deliveries().enqueue(disabled ?? endpoint, 'job.succeeded', {})).toBeNull();
  });

  it('sends a delivery that was pending at shutdown after a restart on the same database', async () => {
    let hold = true;
    receiver = await startReceiver((_, res) => {
      if (!hold) res.end('ok');
      // While held, the first try hangs until the app shuts down and drops it.
    });
    await start({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const endpoint = await endpointTo(receiver.url());
    const id = (await deliveries().sendTest(endpoint)) ?? '';
    await waitFor(
      () => receiver?.hits.length ?? 0,
      (count) => count === 1,
    );
    expect((await repository().findDelivery(id))?.status).toBe('pending');
    // Released before the restart: the new app queues the row again as it boots, so its try may reach the
    // receiver before restart() returns (it did on Postgres, and then hung as the first one had).
    hold = false;
    await current().restart();
    const row = await settled(id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    expect(receiver.hits.map((hit) => hit.headers['webhook-id'])).toEqual([id, id]);
    expect(JSON.parse(receiver.hits[1]?.body ?? '{}')).toMatchObject({ type: 'webhook.test' });
  });
});
