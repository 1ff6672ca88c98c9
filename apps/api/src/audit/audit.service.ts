import {
  auditPageDefaultLimit,
  auditSystemActor,
  type AuditAction,
  type AuditEntry,
  type AuditPage,
  type AuditTargetType,
} from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { keysetCursor, rowId } from '../common/keyset-cursor.js';
import type { AppEventMap, EventActor, RuntimeSettingsChange } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import type { AuditEntryEntity } from './audit-entry.entity.js';
import type { AuditQueryDto } from './audit.dto.js';
import { AuditRepository } from './audit.repository.js';

/** Newest first by id. */
const pageCursor = keysetCursor(rowId);

const system = 'system';

interface Recorded {
  /** `system`: Atelier acted on someone's behalf (recorded with a null actor id); null: skipped. */
  actor: EventActor | typeof system | null;
  action: AuditAction;
  target: { type: AuditTargetType; id: string | number | null; label: string | null };
  details: Record<string, unknown>;
}

/**
 * Records what admins and curators did, from the events the features publish after the fact (a refused
 * or failed action publishes nothing). Events without an actor are Atelier's own doing and are skipped, but
 * for those it does to someone's things (a webhook switched off), recorded with the system actor: an entry
 * with a null actor id and the username `system`. A failed write is logged and never reaches the action.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuditService.name);
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly entries: AuditRepository,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = [
      this.bus.subscribe('config.changed', (change) => this.record(settingsChanged(change))),
      this.bus.subscribe('user.created', ({ actor, user }) =>
        this.record({
          actor,
          action: 'user.created',
          target: { type: 'user', id: user.id, label: user.username },
          details: { role: user.role },
        }),
      ),
      this.bus.subscribe('user.updated', ({ actor, user, changes }) =>
        this.record({
          actor,
          action: 'user.updated',
          target: { type: 'user', id: user.id, label: user.username },
          details: { ...changes },
        }),
      ),
      this.bus.subscribe('user.password_reset', ({ actor, user }) =>
        this.record({
          actor,
          action: 'user.password_reset',
          target: { type: 'user', id: user.id, label: user.username },
          details: { must_change_password: true },
        }),
      ),
      this.bus.subscribe('gallery.image_deleted', ({ actor, image, trashedAt }) =>
        this.record({
          actor,
          action: 'gallery.image_deleted',
          target: { type: 'image', id: image.id, label: image.sha256.slice(0, 12) },
          details: {
            sha256: image.sha256,
            mime: image.mime,
            prompt_id: image.promptId,
            created_by: image.createdBy,
            trashed_at: trashedAt,
          },
        }),
      ),
      this.bus.subscribe('gallery.images_trashed', ({ actor, ids }) =>
        this.record(imagesEntry(actor, 'gallery.images_trashed', ids)),
      ),
      this.bus.subscribe('gallery.images_restored', ({ actor, ids }) =>
        this.record(imagesEntry(actor, 'gallery.images_restored', ids)),
      ),
      this.bus.subscribe('gallery.images_reviewed', (review) => this.record(reviewed(review))),
      this.bus.subscribe('queue.limits_changed', ({ actor, role, changes }) =>
        this.record({
          actor,
          action: 'queue.limits_changed',
          target: { type: 'role', id: role, label: role },
          details: { ...changes },
        }),
      ),
      this.bus.subscribe('comfy.template_saved', ({ actor, name, version, created, shadowsFile }) =>
        this.record({
          actor,
          action: 'comfy.template_saved',
          target: { type: 'template', id: name, label: name },
          details: { version, created, shadows_file: shadowsFile },
        }),
      ),
      this.bus.subscribe('comfy.backends_changed', ({ actor, backend, change, changes }) =>
        this.record({
          actor,
          action: `comfy.backend_${change}`,
          target: { type: 'backend', id: backend.id, label: backend.name },
          details: Object.fromEntries(
            Object.entries(changes).map(([key, { from, to }]) => [
              key,
              { from: withoutSecrets(from), to: withoutSecrets(to) },
            ]),
          ),
        }),
      ),
      ...this.openedOutward(),
    ];
  }

  /** API keys, webhook endpoints and share links: each opens Atelier to the outside, so each is audited. */
  private openedOutward(): (() => void)[] {
    return [
      this.bus.subscribe('api_key.changed', ({ actor, key, change, details }) =>
        this.record({
          actor,
          action: change === 'created' ? 'api_key.created' : 'api_key.revoked',
          target: { type: 'api_key', id: key.id, label: key.name },
          details: { owner_id: key.ownerId, ...details },
        }),
      ),
      this.bus.subscribe('webhook.endpoint_changed', ({ actor, endpoint, change, changes }) =>
        this.record({
          actor,
          action: `webhook.${change}`,
          target: { type: 'webhook', id: endpoint.id, label: endpoint.url },
          details: { owner_id: endpoint.ownerId, ...changes },
        }),
      ),
      this.bus.subscribe('webhook.disabled', ({ endpointId, ownerId, url, reason }) =>
        this.record({
          actor: system,
          action: 'webhook.disabled',
          target: { type: 'webhook', id: endpointId, label: url },
          details: { owner_id: ownerId, url, reason },
        }),
      ),
      this.bus.subscribe('share.changed', ({ actor, share, change, details }) =>
        this.record({
          actor,
          action: change === 'created' ? 'share.created' : 'share.revoked',
          target: { type: 'share', id: share.id, label: share.kind },
          details: { owner_id: share.ownerId, ...details },
        }),
      ),
    ];
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
  }

  /** Newest first; fetches one extra row to know whether there is a next page. */
  async list(query: AuditQueryDto): Promise<AuditPage> {
    const limit = query.limit ?? auditPageDefaultLimit;
    const rows = await this.entries.page({
      action: query.action,
      beforeId: query.cursor === undefined ? undefined : pageCursor.decode(query.cursor)[0],
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(toAuditEntry),
      next_cursor: rows.length > limit && last ? pageCursor.encode(last.id) : null,
    };
  }

  private async record(entry: Recorded | null): Promise<void> {
    if (!entry?.actor) return;
    const { actor, action, target, details } = entry;
    const who = actor === system ? { id: null, username: auditSystemActor } : actor;
    try {
      await this.entries.insert({
        at: new Date().toISOString(),
        actorId: who.id,
        actorUsername: who.username,
        action,
        targetType: target.type,
        targetId: target.id === null ? null : String(target.id),
        targetLabel: target.label,
        detailsJson: JSON.stringify(details),
      });
    } catch (error) {
      // The action happened and has been answered for: losing its entry must not undo or fail it.
      this.logger.error({ err: error, action, actorId: who.id }, 'Could not write an audit log entry');
    }
  }
}

function settingsChanged(change: RuntimeSettingsChange): Recorded {
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of change.changedKeys) {
    changed[key] = { from: withoutSecrets(change.previous[key]), to: withoutSecrets(change.current[key]) };
  }
  return {
    actor: change.actor,
    action: 'settings.changed',
    target: { type: 'settings', id: null, label: null },
    details: { changed },
  };
}

/** One entry for a trash or restore of any number of images: one image is its target, more a count. */
function imagesEntry(actor: EventActor, action: AuditAction, ids: number[]): Recorded {
  const [only] = ids;
  return {
    actor,
    action,
    target:
      ids.length === 1 && only !== undefined
        ? { type: 'image', id: only, label: null }
        : { type: 'image', id: null, label: `${ids.length} images` },
    details: { ids },
  };
}

/** Approvals and rejections (curators' decisions); an owner's submission is not an audited action. */
function reviewed({ actor, decision, ids, note }: AppEventMap['gallery.images_reviewed']): Recorded | null {
  if (decision === 'submitted') return null;
  const [only] = ids;
  return {
    actor,
    action: decision === 'approved' ? 'gallery.images_approved' : 'gallery.images_rejected',
    target:
      ids.length === 1 && only !== undefined
        ? { type: 'image', id: only, label: null }
        : { type: 'image', id: null, label: `${ids.length} images` },
    details: decision === 'rejected' ? { ids, note } : { ids },
  };
}

/** A URL setting may carry `user:password@`: the log keeps the address, never the credentials. */
function withoutSecrets(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i, '$1') : value;
}

function toAuditEntry(row: AuditEntryEntity): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: { id: row.actorId, username: row.actorUsername },
    action: row.action,
    target: { type: row.targetType, id: row.targetId, label: row.targetLabel },
    details: parseDetails(row.detailsJson),
  };
}

function parseDetails(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
