import type { WebhookAttempt, WebhookDeliveryEvent } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';

export interface NewWebhookDelivery {
  id: string;
  endpointId: number;
  event: WebhookDeliveryEvent;
  payloadJson: string;
  /** ISO instant; the worker takes it from then on. */
  nextAttemptAt: string;
  createdAt: string;
}

/** What one try left behind; `next` decides the row's status. */
export interface AttemptOutcome {
  attempt: WebhookAttempt;
  responseExcerpt: string | null;
  next: { status: 'delivered' } | { status: 'pending'; at: string } | { status: 'gave_up' };
}

type Row = Record<string, unknown>;

/**
 * The queries of table webhook_deliveries (migration 1764900000200): storing, claiming and recording the tries
 * of deliveries. Endpoints are webhook-endpoints.repository.ts's.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  /** Workers on several replicas claim at once: on Postgres each skips the rows another is taking. */
  private readonly claimSql: string;

  constructor(private readonly db: Sql) {
    this.claimSql = `UPDATE "webhook_deliveries" SET "claimed_until" = ?
       WHERE "id" IN (
         SELECT "id" FROM "webhook_deliveries"
         WHERE "status" = 'pending' AND "next_attempt_at" <= ? AND ("claimed_until" IS NULL OR "claimed_until" <= ?)
         ORDER BY "next_attempt_at" LIMIT ?${db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : ''})
       RETURNING *`;
  }

  async insertDelivery(delivery: NewWebhookDelivery): Promise<void> {
    await this.db.run(
      `INSERT INTO "webhook_deliveries" ("id", "endpoint_id", "event", "payload_json", "status", "attempts",
         "next_attempt_at", "attempt_log_json", "created_at")
       VALUES (?, ?, ?, ?, 'pending', 0, ?, '[]', ?)`,
      [
        delivery.id,
        delivery.endpointId,
        delivery.event,
        delivery.payloadJson,
        delivery.nextAttemptAt,
        delivery.createdAt,
      ],
    );
  }

  async findDelivery(id: string): Promise<WebhookDeliveryEntity | null> {
    const rows = await this.db.all<Row>(`SELECT * FROM "webhook_deliveries" WHERE "id" = ?`, [id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  /** An endpoint's deliveries, newest first. */
  async deliveriesOf(endpointId: number, limit: number): Promise<WebhookDeliveryEntity[]> {
    const rows = await this.db.all<Row>(
      `SELECT * FROM "webhook_deliveries" WHERE "endpoint_id" = ? ORDER BY "created_at" DESC, "id" LIMIT ?`,
      [endpointId, limit],
    );
    return rows.map(toDelivery);
  }

  /**
   * Takes up to `limit` pending deliveries due at `now` that no worker holds, holding them until `leaseUntil`
   * (one UPDATE, so two workers never take the same row). The lease-polling worker that used it became the
   * `webhook.deliver` background job (delivery-worker.ts), which leaves `claimed_until` unused; kept as the
   * Postgres port's SKIP LOCKED example (test/services/sql.pg.spec.ts).
   */
  async claimDue(now: string, leaseUntil: string, limit: number): Promise<WebhookDeliveryEntity[]> {
    const rows = await this.db.all<Row>(this.claimSql, [leaseUntil, now, now, limit]);
    return rows.map(toDelivery);
  }

  /**
   * Pending deliveries (id and when they are due), earliest first: those due before `dueBefore`, or all
   * of them when it is null. What the worker puts back on the queue when a job may have been lost.
   */
  async pending(
    dueBefore: string | null,
    limit: number,
  ): Promise<{ id: string; nextAttemptAt: string | null }[]> {
    const rows = await this.db.all<Row>(
      dueBefore === null
        ? `SELECT "id", "next_attempt_at" FROM "webhook_deliveries" WHERE "status" = 'pending'
           ORDER BY "next_attempt_at" LIMIT ?`
        : `SELECT "id", "next_attempt_at" FROM "webhook_deliveries" WHERE "status" = 'pending'
             AND "next_attempt_at" <= ? ORDER BY "next_attempt_at" LIMIT ?`,
      dueBefore === null ? [limit] : [dueBefore, limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      nextAttemptAt: (row.next_attempt_at as string | null) ?? null,
    }));
  }

  async recordAttempt(delivery: WebhookDeliveryEntity, outcome: AttemptOutcome): Promise<void> {
    const log = [...parseAttempts(delivery.attemptLogJson), outcome.attempt];
    const { next, attempt } = outcome;
    await this.db.run(
      `UPDATE "webhook_deliveries" SET "status" = ?, "attempts" = ?, "next_attempt_at" = ?, "claimed_until" = NULL,
         "last_status" = ?, "last_latency_ms" = ?, "last_error" = ?, "response_excerpt" = ?, "attempt_log_json" = ?,
         "delivered_at" = ?
       WHERE "id" = ?`,
      [
        next.status,
        log.length,
        next.status === 'pending' ? next.at : null,
        attempt.status,
        attempt.latency_ms,
        attempt.error,
        outcome.responseExcerpt,
        JSON.stringify(log),
        next.status === 'delivered' ? attempt.at : null,
        delivery.id,
      ],
    );
  }

  /** A delivery that will not be tried (its endpoint is gone or disabled). */
  async giveUp(id: string, reason: string): Promise<void> {
    await this.db.run(
      `UPDATE "webhook_deliveries" SET "status" = 'gave_up', "next_attempt_at" = NULL, "claimed_until" = NULL,
         "last_error" = ? WHERE "id" = ?`,
      [reason, id],
    );
  }

  /** Every pending delivery of a disabled endpoint. */
  async giveUpPendingOf(endpointId: number, reason: string): Promise<void> {
    await this.db.run(
      `UPDATE "webhook_deliveries" SET "status" = 'gave_up', "next_attempt_at" = NULL, "claimed_until" = NULL,
         "last_error" = COALESCE("last_error", ?) WHERE "endpoint_id" = ? AND "status" = 'pending'`,
      [reason, endpointId],
    );
  }
}

export function parseAttempts(json: string): WebhookAttempt[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as WebhookAttempt[]) : [];
  } catch {
    return [];
  }
}

function toDelivery(row: Row): WebhookDeliveryEntity {
  return Object.assign(new WebhookDeliveryEntity(), {
    id: String(row.id),
    endpointId: Number(row.endpoint_id),
    event: row.event as WebhookDeliveryEvent,
    payloadJson: String(row.payload_json),
    status: row.status as WebhookDeliveryEntity['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: (row.next_attempt_at as string | null) ?? null,
    claimedUntil: (row.claimed_until as string | null) ?? null,
    lastStatus: (row.last_status as number | null) ?? null,
    lastLatencyMs: (row.last_latency_ms as number | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    responseExcerpt: (row.response_excerpt as string | null) ?? null,
    attemptLogJson: String(row.attempt_log_json),
    createdAt: String(row.created_at),
    deliveredAt: (row.delivered_at as string | null) ?? null,
  });
}
