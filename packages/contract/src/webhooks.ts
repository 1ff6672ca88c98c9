/**
 * Signed webhooks (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). A user
 * subscribes a URL to events about what they own; an admin's endpoint may take everyone's (`all_users`).
 * Deliveries are stored and retried with backoff for about 24 hours; an endpoint failing for days is disabled.
 */
export const webhookEventNames = [
  'job.succeeded',
  'job.failed',
  'job.lost',
  'image.kept',
  'image.approved',
  'image.rejected',
  'sweep.finished',
] as const;

export type WebhookEventName = (typeof webhookEventNames)[number];

/** What `POST /api/me/webhooks/:id/test` sends: not subscribable, always delivered to the endpoint asked. */
export const webhookTestEvent = 'webhook.test';

/** Any event a delivery may carry. */
export type WebhookDeliveryEvent = WebhookEventName | typeof webhookTestEvent;

/** Endpoint secrets are `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export const webhookSecretPrefix = 'whsec_';

/** The body of every delivery (JSON): `timestamp` is ISO-8601 UTC, as the Standard Webhooks payload suggests. */
export interface WebhookPayload<Data = Record<string, unknown>> {
  type: WebhookDeliveryEvent;
  timestamp: string;
  data: Data;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'gave_up';

/** An endpoint as listed (never its secret; that is shown once, at create or rotate). */
export interface WebhookEndpointSummary {
  id: number;
  owner_id: number;
  url: string;
  events: WebhookEventName[];
  /** Admins only: events about every user's resources, not just their own. */
  all_users: boolean;
  enabled: boolean;
  /** Set when Atelier disabled the endpoint (it kept failing); the UI shows it as a notice. */
  disabled_at: string | null;
  disabled_reason: string | null;
  /** Since when every delivery has failed; null while it works. */
  failing_since: string | null;
  created_at: string;
}

/** One try of one delivery. */
export interface WebhookAttempt {
  at: string;
  /** HTTP status; null when there was no answer (refused address, timeout, connection error). */
  status: number | null;
  latency_ms: number;
  error: string | null;
}

/** A delivery in the log: `id` is the `webhook-id` header the receiver saw. */
export interface WebhookDeliverySummary {
  id: string;
  endpoint_id: number;
  event: WebhookDeliveryEvent;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  /** The first KB of the last answer's body (text). */
  response_excerpt: string | null;
  created_at: string;
  delivered_at: string | null;
  attempt_log: WebhookAttempt[];
}

/** Most bytes of a receiver's answer kept in the log. */
export const webhookResponseExcerptMax = 1024;
