import type { WebhookDeliverySummary, WebhookEndpointSummary, WebhookEventName } from './webhooks.js';

/** POST /api/me/webhooks. `all_users` (events about everyone's resources) is for admins only. */
export interface CreateWebhookRequest {
  url: string;
  events: WebhookEventName[];
  all_users?: boolean;
}

/**
 * PATCH /api/me/webhooks/:id: only what is sent changes. `enabled: true` also clears a disable notice and the
 * failing streak; `rotate_secret: true` answers the new secret, once.
 */
export interface UpdateWebhookRequest {
  url?: string;
  events?: WebhookEventName[];
  all_users?: boolean;
  enabled?: boolean;
  rotate_secret?: boolean;
}

/** An endpoint as listed, with its owner's name (an admin's `?all=1` list mixes owners). */
export interface WebhookEndpointView extends WebhookEndpointSummary {
  owner_username: string | null;
}

/** The answer to a create or a rotate: the only time the secret is shown. */
export interface WebhookEndpointWithSecret extends WebhookEndpointView {
  secret: string;
}

export interface WebhookListResponse {
  items: WebhookEndpointView[];
}

export interface WebhookDeliveryListResponse {
  items: WebhookDeliverySummary[];
}

/** POST …/test and …/redeliver: the new delivery, stored for the worker (not sent yet). */
export interface WebhookDeliveryQueued {
  delivery_id: string;
}
