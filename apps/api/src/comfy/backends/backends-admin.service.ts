import type { BackendInput, BackendListResponse, BackendPatch, BackendView } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import { normalizeHttpUrl } from '../../config/runtime-settings.js';
import type { EventActor } from '../../events/app-events.js';
import { EventBus } from '../../events/event-bus.js';
import type { ComfyBackendEntity } from './backend.entity.js';
import { BackendsRepository, type BackendFields } from './backends.repository.js';
import { ComfyPool } from './comfy-pool.js';

/** One admin change at a time: the in-flight checks and the writes must not interleave with another change. */
const lockKey = 'backends';

/**
 * GET/POST /api/admin/backends, PATCH/DELETE /api/admin/backends/:id: the rows, the rules, the audit
 * event; the pool rewires from the rows after each change. A backend cannot be re-pointed or removed
 * while it holds jobs (they would be followed on a server that never had them): drain it first.
 */
@Injectable()
export class BackendsAdmin {
  constructor(
    private readonly rows: BackendsRepository,
    private readonly pool: ComfyPool,
    private readonly bus: EventBus,
    private readonly locks: KeyedLock,
  ) {}

  async list(): Promise<BackendListResponse> {
    return { items: await this.pool.views() };
  }

  create(input: BackendInput, actor: EventActor): Promise<BackendView> {
    return this.locks.run(lockKey, async () => {
      const fields: BackendFields = {
        name: input.name,
        url: checkedUrl(input.url),
        weight: input.weight ?? 1,
        tags: uniqueTags(input.tags ?? []),
        enabled: input.enabled ?? true,
        draining: input.draining ?? false,
      };
      const row = await this.rows.insert(fields);
      if (!row) throw nameTaken(input.name);
      await this.pool.reload();
      const created = Object.fromEntries(
        Object.entries(fields).map(([key, to]) => [key, { from: null, to }]),
      );
      await this.audit(actor, row, 'created', created);
      return this.viewOf(row.id);
    });
  }

  update(id: number, patch: BackendPatch, actor: EventActor): Promise<BackendView> {
    return this.locks.run(lockKey, async () => {
      const row = await this.rows.findLive(id);
      if (!row) throw notFound();
      const fields: Partial<BackendFields> = {};
      if (patch.name !== undefined) fields.name = patch.name;
      if (patch.url !== undefined) {
        if (patch.url === null && !row.isDefault) {
          throw new AppError(
            'validation_failed',
            'Only the default backend can follow the comfy_api_url setting',
            {
              url: ['must be an http:// or https:// URL'],
            },
          );
        }
        fields.url = patch.url === null ? null : checkedUrl(patch.url);
      }
      if (patch.weight !== undefined) fields.weight = patch.weight;
      if (patch.tags !== undefined) fields.tags = uniqueTags(patch.tags);
      if (patch.enabled !== undefined) fields.enabled = patch.enabled;
      if (patch.draining !== undefined) fields.draining = patch.draining;
      const changes = changesOf(row, fields);
      if ('url' in changes) await this.assertIdle(row, 'changing its URL');
      if (Object.keys(changes).length > 0) {
        if (!(await this.rows.update(id, fields))) throw nameTaken(fields.name ?? row.name);
        await this.pool.reload();
        await this.audit(actor, { id, name: fields.name ?? row.name }, 'updated', changes);
      }
      return this.viewOf(id);
    });
  }

  remove(id: number, actor: EventActor): Promise<void> {
    return this.locks.run(lockKey, async () => {
      const row = await this.rows.findLive(id);
      if (!row) throw notFound();
      if (row.isDefault) {
        throw new AppError(
          'conflict',
          'The default backend cannot be removed (disable it, or point it elsewhere)',
          {
            backend_id: id,
          },
        );
      }
      await this.assertIdle(row, 'removing it');
      await this.rows.softDelete(id);
      await this.pool.reload();
      await this.audit(actor, row, 'removed', {});
    });
  }

  private async assertIdle(row: ComfyBackendEntity, what: string): Promise<void> {
    const inFlight = await this.rows.countInFlight(row.id, row.isDefault);
    if (inFlight === 0) return;
    throw new AppError(
      'conflict',
      `Backend ${row.name} has ${inFlight} job(s) in flight: drain it and wait for them before ${what}`,
      { backend_id: row.id, in_flight: inFlight },
    );
  }

  private async viewOf(id: number): Promise<BackendView> {
    const view = await this.pool.view(id);
    if (!view) throw notFound();
    return view;
  }

  private audit(
    actor: EventActor,
    backend: { id: number; name: string },
    change: 'created' | 'updated' | 'removed',
    changes: Record<string, { from: unknown; to: unknown }>,
  ): Promise<void> {
    return this.bus.publish('comfy.backends_changed', {
      actor,
      backend: { id: backend.id, name: backend.name },
      change,
      changes,
    });
  }
}

function checkedUrl(value: string): string {
  const url = normalizeHttpUrl(value);
  if (url === undefined) {
    throw new AppError('validation_failed', 'The request is invalid', {
      url: ['must be an http:// or https:// URL without query or fragment'],
    });
  }
  return url;
}

function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

function changesOf(
  row: ComfyBackendEntity,
  fields: Partial<BackendFields>,
): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, to] of Object.entries(fields) as [keyof BackendFields, unknown][]) {
    const from = row[key];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[key] = { from, to };
  }
  return changes;
}

function nameTaken(name: string): AppError {
  return new AppError('conflict', `A backend named ${name} already exists`, { name: ['is taken'] });
}

function notFound(): AppError {
  return new AppError('not_found', 'No such backend');
}
