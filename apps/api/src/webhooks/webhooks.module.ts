import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { AddressPolicy } from './address-policy.js';
import {
  defaultDisableAfterMs,
  defaultRetryDelaysMs,
  DeliveryWorker,
  WEBHOOK_DISABLE_AFTER_MS,
  WEBHOOK_RETRY_DELAYS,
} from './delivery-worker.js';
import { SafeSender } from './safe-sender.js';
import { WebhookDeliveries } from './webhook-deliveries.service.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository.js';

/**
 * Signed webhooks: stored deliveries (WebhookDeliveries.enqueue never sends in the caller's request) and the
 * worker that sends them with the Standard Webhooks signature, through an SSRF-safe sender, retrying with backoff.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity]), EventsModule],
  providers: [
    WebhookDeliveriesRepository,
    WebhookEndpointsRepository,
    WebhookDeliveries,
    AddressPolicy,
    SafeSender,
    DeliveryWorker,
    { provide: WEBHOOK_RETRY_DELAYS, useValue: defaultRetryDelaysMs },
    { provide: WEBHOOK_DISABLE_AFTER_MS, useValue: defaultDisableAfterMs },
  ],
  exports: [WebhookDeliveriesRepository, WebhookEndpointsRepository, WebhookDeliveries, AddressPolicy],
})
export class WebhooksModule {}
