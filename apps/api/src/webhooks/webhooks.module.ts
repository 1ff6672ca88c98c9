import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDeliveries } from './webhook-deliveries.service.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { WebhooksRepository } from './webhooks.repository.js';

/**
 * Signed webhooks: stored deliveries (WebhookDeliveries.enqueue never sends in the caller's request) and the
 * worker that sends them with the Standard Webhooks signature, through an SSRF-safe sender, retrying with backoff.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookDeliveryEntity])],
  providers: [WebhooksRepository, WebhookDeliveries],
  exports: [WebhooksRepository, WebhookDeliveries],
})
export class WebhooksModule {}
