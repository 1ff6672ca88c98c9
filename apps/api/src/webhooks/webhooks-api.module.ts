import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { WebhookFanOut } from './webhook-events.js';
import { WebhookUrls } from './webhook-urls.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksModule } from './webhooks.module.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * What users see of webhooks: the routes under /api/me/webhooks and the fan-out from the event bus to stored
 * deliveries. The delivery core (tables, signer, sender, worker) is WebhooksModule's.
 */
@Module({
  imports: [WebhooksModule, EventsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookUrls, WebhookFanOut],
})
export class WebhooksApiModule {}
