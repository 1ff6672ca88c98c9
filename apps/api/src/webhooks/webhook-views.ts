import type { WebhookDeliverySummary, WebhookEndpointView } from '@atelier/contract';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { eventsOf, type EndpointWithOwner } from './webhook-endpoints.repository.js';
import { parseAttempts } from './webhook-deliveries.repository.js';

/** An endpoint as the API shows it: never its secret. */
export function toEndpointView({ endpoint, ownerUsername }: EndpointWithOwner): WebhookEndpointView {
  return {
    id: endpoint.id,
    owner_id: endpoint.ownerId,
    owner_username: ownerUsername,
    url: endpoint.url,
    events: eventsOf(endpoint),
    all_users: endpoint.allUsers,
    enabled: endpoint.enabled,
    disabled_at: endpoint.disabledAt,
    disabled_reason: endpoint.disabledReason,
    failing_since: endpoint.failingSince,
    created_at: endpoint.createdAt,
  };
}

/** A delivery in the log (its body stays on the server: the receiver has it, and redeliver resends it). */
export function toDeliverySummary(delivery: WebhookDeliveryEntity): WebhookDeliverySummary {
  return {
    id: delivery.id,
    endpoint_id: delivery.endpointId,
    event: delivery.event,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt,
    last_status: delivery.lastStatus,
    last_latency_ms: delivery.lastLatencyMs,
    last_error: delivery.lastError,
    response_excerpt: delivery.responseExcerpt,
    created_at: delivery.createdAt,
    delivered_at: delivery.deliveredAt,
    attempt_log: parseAttempts(delivery.attemptLogJson),
  };
}
