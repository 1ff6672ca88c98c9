import {
  webhookSecretPrefix,
  webhookTestEvent,
  type WebhookDeliveryEvent,
  type WebhookPayload,
} from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { BackgroundJobs } from '../background/background-jobs.js';
import { deliverQueue, type DeliverJob } from './delivery-job.js';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/**
 * Stores deliveries and queues a `webhook.deliver` job for each (the worker sends it, on any replica):
 * nothing here opens a connection, so a request that causes an event is never held up by (or exposed to) a
 * receiver. Each method returns the new delivery's id, which is also its `webhook-id` and its job's id.
 */
@Injectable()
export class WebhookDeliveries {
  private readonly logger = new Logger(WebhookDeliveries.name);

  constructor(
    private readonly repository: WebhookDeliveriesRepository,
    private readonly jobs: BackgroundJobs,
  ) {}

  /** Queues `data` as a `{type, timestamp, data}` body for `endpoint`; a disabled endpoint gets nothing (null). */
  async enqueue(
    endpoint: WebhookEndpointEntity,
    event: WebhookDeliveryEvent,
    data: Record<string, unknown>,
  ): Promise<string | null> {
    if (!endpoint.enabled) return null;
    const now = new Date().toISOString();
    const payload: WebhookPayload = { type: event, timestamp: now, data };
    return this.store(endpoint.id, event, JSON.stringify(payload), now);
  }

  /**
   * Sends a delivery's body again as a new delivery (new id, fresh retries), whatever became of the first;
   * null when there is no such delivery. The caller checks who may redeliver it.
   */
  async redeliver(deliveryId: string): Promise<string | null> {
    const original = await this.repository.findDelivery(deliveryId);
    if (!original) return null;
    return this.store(original.endpointId, original.event, original.payloadJson, new Date().toISOString());
  }

  /** A `webhook.test` delivery, sent even to an endpoint subscribed to nothing, so its owner can check it. */
  async sendTest(endpoint: WebhookEndpointEntity): Promise<string> {
    const now = new Date().toISOString();
    const payload: WebhookPayload = {
      type: webhookTestEvent,
      timestamp: now,
      data: { endpoint_id: endpoint.id, message: 'A test delivery from Atelier' },
    };
    return this.store(endpoint.id, webhookTestEvent, JSON.stringify(payload), now);
  }

  /** A fresh endpoint secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
  newSecret(): string {
    return webhookSecretPrefix + randomBytes(32).toString('base64');
  }

  private async store(
    endpointId: number,
    event: WebhookDeliveryEvent,
    payloadJson: string,
    now: string,
  ): Promise<string> {
    const id = randomUUID();
    await this.repository.insertDelivery({
      id,
      endpointId,
      event,
      payloadJson,
      nextAttemptAt: now,
      createdAt: now,
    });
    // Not awaited: with Redis away BullMQ waits for it, and the row is stored either way (the worker's
    // sweep queues a pending row whose job never arrived).
    this.jobs.add<DeliverJob>(deliverQueue, { deliveryId: id }, { jobId: id }).catch((error: unknown) => {
      this.logger.warn({ err: error, deliveryId: id }, 'Webhook delivery stored but not queued yet');
    });
    return id;
  }
}
