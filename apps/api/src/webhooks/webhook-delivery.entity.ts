import type { WebhookDeliveryEvent, WebhookDeliveryStatus } from '@atelier/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One event for one endpoint, with its tries so far (table shape only; see webhook-deliveries.repository.ts). */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  /** uuid v4; also the `webhook-id` header, the same on every try so receivers can deduplicate. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'integer' })
  endpointId!: number;

  @Column({ type: 'text' })
  event!: WebhookDeliveryEvent;

  /** The exact body sent (and signed) on every try. */
  @Column({ name: 'payload_json', type: 'text' })
  payloadJson!: string;

  @Column({ type: 'text' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  /** When the worker may next try it; null once it is delivered or given up. */
  @Column({ name: 'next_attempt_at', type: 'text', nullable: true })
  nextAttemptAt!: string | null;

  /** A worker holds the row until then: a crash mid-try frees it again after this lease. */
  @Column({ name: 'claimed_until', type: 'text', nullable: true })
  claimedUntil!: string | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_latency_ms', type: 'integer', nullable: true })
  lastLatencyMs!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  /** JSON array of WebhookAttempt. */
  @Column({ name: 'attempt_log_json', type: 'text' })
  attemptLogJson!: string;

  @Column({ name: 'created_at', type: 'text' })
  createdAt!: string;

  @Column({ name: 'delivered_at', type: 'text', nullable: true })
  deliveredAt!: string | null;
}
