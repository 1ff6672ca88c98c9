import type { Role, WebhookEventName } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';

/** An endpoint with its owner's name (the lists) or role (the fan-out). */
export interface EndpointWithOwner {
  endpoint: WebhookEndpointEntity;
  ownerUsername: string | null;
  ownerRole: Role;
}

export interface NewWebhookEndpoint {
  ownerId: number;
  url: string;
  secret: string;
  events: readonly WebhookEventName[];
  allUsers: boolean;
}

export interface EndpointChanges {
  url?: string;
  events?: readonly WebhookEventName[];
  allUsers?: boolean;
  secret?: string;
  /** true also clears the disable notice and the failing streak; false disables by hand (no notice). */
  enabled?: boolean;
}

type Row = Record<string, unknown>;

const withOwner = `SELECT e.*, u."username" AS "owner_username", u."role" AS "owner_role"
  FROM "webhook_endpoints" e JOIN "users" u ON u."id" = e."owner_id"`;

/**
 * The queries of table webhook_endpoints, for the routes, the fan-out and the worker (its failing streak and
 * disabling); deliveries are webhook-deliveries.repository.ts's. The fan-out also reads who owns gallery images
 * here: one indexed read by id, rather than a dependency on the gallery module for a single column.
 */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly db: Sql) {}

  async insert(endpoint: NewWebhookEndpoint): Promise<WebhookEndpointEntity> {
    const row = await this.db.get<Row>(
      `INSERT INTO "webhook_endpoints" ("owner_id", "url", "secret", "events_json", "all_users", "enabled", "created_at")
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      [
        endpoint.ownerId,
        endpoint.url,
        endpoint.secret,
        JSON.stringify(endpoint.events),
        endpoint.allUsers,
        true,
        new Date().toISOString(),
      ],
    );
    return toEndpoint(row as Row);
  }

  /** Oldest first; every owner's when `ownerId` is null. */
  async list(ownerId: number | null): Promise<EndpointWithOwner[]> {
    const rows = await this.db.all<Row>(
      ownerId === null
        ? `${withOwner} ORDER BY e."id"`
        : `${withOwner} WHERE e."owner_id" = ? ORDER BY e."id"`,
      ownerId === null ? [] : [ownerId],
    );
    return rows.map(toEndpointWithOwner);
  }

  async find(id: number): Promise<EndpointWithOwner | null> {
    const rows = await this.db.all<Row>(`${withOwner} WHERE e."id" = ?`, [id]);
    return rows[0] ? toEndpointWithOwner(rows[0]) : null;
  }

  async update(id: number, changes: EndpointChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`"${column}" = ?`);
      values.push(value);
    };
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.events !== undefined) set('events_json', JSON.stringify(changes.events));
    if (changes.allUsers !== undefined) set('all_users', changes.allUsers);
    if (changes.secret !== undefined) set('secret', changes.secret);
    if (changes.enabled !== undefined) {
      set('enabled', changes.enabled);
      if (changes.enabled) {
        set('disabled_at', null);
        set('disabled_reason', null);
        set('failing_since', null);
      }
    }
    if (sets.length === 0) return;
    await this.db.run(`UPDATE "webhook_endpoints" SET ${sets.join(', ')} WHERE "id" = ?`, [...values, id]);
  }

  /** Its deliveries go with it (ON DELETE CASCADE). */
  async delete(id: number): Promise<void> {
    await this.db.run(`DELETE FROM "webhook_endpoints" WHERE "id" = ?`, [id]);
  }

  /** Enabled endpoints subscribed to `event` whose owner is not disabled. */
  async subscribers(event: WebhookEventName): Promise<EndpointWithOwner[]> {
    const rows = await this.db.all<Row>(
      // Bare booleans: the same text on SQLite (0/1) and Postgres.
      `${withOwner} WHERE e."enabled" AND NOT u."disabled" AND e."events_json" LIKE ?`,
      [`%"${event}"%`],
    );
    return rows.map(toEndpointWithOwner).filter(({ endpoint }) => eventsOf(endpoint).includes(event));
  }

  /** A success clears the endpoint's failing streak; a failure starts one if none is running. */
  async noteResult(endpointId: number, ok: boolean, at: string): Promise<void> {
    await this.db.run(
      ok
        ? `UPDATE "webhook_endpoints" SET "failing_since" = NULL WHERE "id" = ?`
        : `UPDATE "webhook_endpoints" SET "failing_since" = COALESCE("failing_since", ?) WHERE "id" = ?`,
      ok ? [endpointId] : [at, endpointId],
    );
  }

  /** Switched off by Atelier, with the reason its owner sees; false when it was off already (someone was first). */
  async disable(endpointId: number, reason: string, at: string): Promise<boolean> {
    const rows = await this.db.all<Row>(
      `UPDATE "webhook_endpoints" SET "enabled" = ?, "disabled_at" = ?, "disabled_reason" = ?
       WHERE "id" = ? AND "enabled" RETURNING "id"`,
      [false, at, reason, endpointId],
    );
    return rows.length > 0;
  }

  /**
   * How many of the owner's endpoints Atelier switched off (its owner's notice; one turned off by hand has no
   * `disabled_at`, and re-enabling clears it). Reads ix_webhook_endpoints_owner.
   */
  async countDisabledOf(ownerId: number): Promise<number> {
    const rows = await this.db.all<{ count: number | string }>(
      `SELECT COUNT(*) AS "count" FROM "webhook_endpoints" WHERE "owner_id" = ? AND "disabled_at" IS NOT NULL`,
      [ownerId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Who owns each of these gallery images (ids that are gone are left out). */
  async imageOwners(ids: readonly number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.all<{ id: number; created_by: number }>(
      `SELECT "id", "created_by" FROM "gallery_images" WHERE "id" IN (${ids.map(() => '?').join(', ')})`,
      [...ids],
    );
    return new Map(rows.map((row) => [Number(row.id), Number(row.created_by)]));
  }
}

export function eventsOf(endpoint: WebhookEndpointEntity): WebhookEventName[] {
  try {
    const parsed: unknown = JSON.parse(endpoint.eventsJson);
    return Array.isArray(parsed) ? (parsed as WebhookEventName[]) : [];
  } catch {
    return [];
  }
}

/** A `webhook_endpoints` row (raw SQL) as its entity. */
function toEndpoint(row: Row): WebhookEndpointEntity {
  return Object.assign(new WebhookEndpointEntity(), {
    id: Number(row.id),
    ownerId: Number(row.owner_id),
    url: String(row.url),
    secret: String(row.secret),
    eventsJson: String(row.events_json),
    allUsers: Boolean(row.all_users),
    enabled: Boolean(row.enabled),
    disabledAt: (row.disabled_at as string | null) ?? null,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    failingSince: (row.failing_since as string | null) ?? null,
    createdAt: String(row.created_at),
  });
}

function toEndpointWithOwner(row: Row): EndpointWithOwner {
  return {
    endpoint: toEndpoint(row),
    ownerUsername: (row.owner_username as string | null) ?? null,
    ownerRole: row.owner_role as Role,
  };
}
