import type { WebhookPayload } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDeliveries } from '../src/webhooks/webhook-deliveries.service.js';
import { WebhooksRepository } from '../src/webhooks/webhooks.repository.js';
import { createTestApp, type TestApp } from './test-app.js';

describe('webhook deliveries (stored, then sent by the worker)', () => {
  let app: TestApp;
  afterEach(() => app.close());

  it('enqueue stores a pending {type, timestamp, data} delivery and newSecret is a whsec_ secret', async () => {
    app = await createTestApp();
    const owner = await app.user('user');
    const deliveries = app.nest.get(WebhookDeliveries);
    const repository = app.nest.get(WebhooksRepository);
    const secret = deliveries.newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const endpoint = await repository.insertEndpoint({
      ownerId: owner.id,
      url: 'https://receiver.example/hook',
      secret,
      events: ['job.succeeded'],
      allUsers: false,
    });
    const id = await deliveries.enqueue(endpoint, 'job.succeeded', { prompt_id: 'p1' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const row = await repository.findDelivery(id ?? '');
    expect(row?.endpointId).toBe(endpoint.id);
    const payload = JSON.parse(row?.payloadJson ?? '{}') as WebhookPayload;
    expect(payload).toEqual({
      type: 'job.succeeded',
      timestamp: expect.any(String),
      data: { prompt_id: 'p1' },
    });
    const again = await deliveries.redeliver(id ?? '');
    expect(again).not.toBe(id);
    expect((await repository.findDelivery(again ?? ''))?.payloadJson).toBe(row?.payloadJson);
  });
});
