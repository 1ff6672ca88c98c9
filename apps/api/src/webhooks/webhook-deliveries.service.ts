import {
  webhookSecretPrefix,
  webhookTestEvent,
  type WebhookDeliveryEvent,
  type WebhookPayload,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';

/**
 * Stores deliveries for the worker to send: nothing here opens a connection, so a request that causes an
 * event is never held up by (or exposed to) a receiver. Each method returns the new delivery's id, which is
 * also its `webhook-id`.
 */
@Injectable()
export class WebhookDeliveries {
  /** Called after a row is stored, so the worker tries it now rather than at its next poll. */
  private wake: () => void = () => undefined;

  constructor(private readonly repository: WebhookDeliveriesRepository) {}

  /** The worker registers here (it depends on this service's module, not the other way round). */
  onStored(wake: () => void): void {
    this.wake = wake;
  }

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
    this.wake();
    return id;
  }
}
