import type { Role, WebhookEventName } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WebhookEndpointEntity } from './webhook-endpoint.entity.js';
import { toEndpoint } from './webhooks.repository.js';

/** An endpoint with its owner's name (the lists) or role (the fan-out). */
export interface EndpointWithOwner {
  endpoint: WebhookEndpointEntity;
  ownerUsername: string | null;
  ownerRole: Role;
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
 * The endpoint queries the HTTP routes and the fan-out need (webhooks.repository.ts holds the worker's). The
 * fan-out also reads who owns gallery images here: one indexed read by id, rather than a dependency on the
 * gallery module for a single column.
 */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Oldest first; every owner's when `ownerId` is null. */
  async list(ownerId: number | null): Promise<EndpointWithOwner[]> {
    const rows = await this.db.query<Row[]>(
      ownerId === null
        ? `${withOwner} ORDER BY e."id"`
        : `${withOwner} WHERE e."owner_id" = ? ORDER BY e."id"`,
      ownerId === null ? [] : [ownerId],
    );
    return rows.map(toEndpointWithOwner);
  }

  async find(id: number): Promise<EndpointWithOwner | null> {
    const rows = await this.db.query<Row[]>(`${withOwner} WHERE e."id" = ?`, [id]);
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
    if (changes.allUsers !== undefined) set('all_users', changes.allUsers ? 1 : 0);
    if (changes.secret !== undefined) set('secret', changes.secret);
    if (changes.enabled !== undefined) {
      set('enabled', changes.enabled ? 1 : 0);
      if (changes.enabled) {
        set('disabled_at', null);
        set('disabled_reason', null);
        set('failing_since', null);
      }
    }
    if (sets.length === 0) return;
    await this.db.query(`UPDATE "webhook_endpoints" SET ${sets.join(', ')} WHERE "id" = ?`, [...values, id]);
  }

  /** Its deliveries go with it (ON DELETE CASCADE). */
  async delete(id: number): Promise<void> {
    await this.db.query(`DELETE FROM "webhook_endpoints" WHERE "id" = ?`, [id]);
  }

  /** Enabled endpoints subscribed to `event` whose owner is not disabled. */
  async subscribers(event: WebhookEventName): Promise<EndpointWithOwner[]> {
    const rows = await this.db.query<Row[]>(
      // Bare booleans: the same text on SQLite (0/1) and Postgres.
      `${withOwner} WHERE e."enabled" AND NOT u."disabled" AND e."events_json" LIKE ?`,
      [`%"${event}"%`],
    );
    return rows.map(toEndpointWithOwner).filter(({ endpoint }) => eventsOf(endpoint).includes(event));
  }

  /** Who owns each of these gallery images (ids that are gone are left out). */
  async imageOwners(ids: readonly number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: number; created_by: number }[]>(
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

function toEndpointWithOwner(row: Row): EndpointWithOwner {
  return {
    endpoint: toEndpoint(row),
    ownerUsername: (row.owner_username as string | null) ?? null,
    ownerRole: row.owner_role as Role,
  };
}
