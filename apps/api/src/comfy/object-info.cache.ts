import type { ObjectInfo } from '@atelier/comfy-client';
import type { ComfyObjectInfoResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ComfyPool } from './backends/comfy-pool.js';
import { mergeObjectInfo } from './backends/merge-object-info.js';

/**
 * ComfyUI's /object_info, as the builders, the template library and GET /object-info read it: the pool's
 * catalogue, merged from every wired backend's copy (a class or model some backend has; routing then picks
 * one that has it). Each backend keeps its own copy (backends/backend-object-info.ts: TTL
 * `comfy_object_info_ttl_s`, one fetch at a time, the last copy served stale while the server is down,
 * dropped on a rewiring). Every fresh copy is published merged as `comfy.object_info_refreshed` (by the pool).
 */
@Injectable()
export class ObjectInfoCache {
  constructor(private readonly pool: ComfyPool) {}

  /**
   * The catalogue (one backend's with `backendId`); `refresh` skips the caches (the route rate-limits it).
   * Stale when any copy in it is; an error only when no backend could answer.
   */
  async get(refresh = false, backendId?: number): Promise<ComfyObjectInfoResponse> {
    if (backendId !== undefined) {
      const backend = this.pool.get(backendId);
      if (!backend) throw new AppError('comfy.disabled', 'That ComfyUI backend is switched off');
      return backend.objectInfo.get(refresh);
    }
    const backends = this.pool.list();
    const [only] = backends;
    if (!only) throw new AppError('comfy.disabled', 'The ComfyUI integration is switched off');
    if (backends.length === 1) return only.objectInfo.get(refresh);
    const answers = await Promise.allSettled(backends.map((backend) => backend.objectInfo.get(refresh)));
    const copies = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
    if (copies.length === 0) throw (answers[0] as PromiseRejectedResult).reason;
    return {
      object_info: mergeObjectInfo(copies.map((copy) => copy.object_info)),
      // A backend that did not answer is missing from it: not the whole truth either.
      stale: copies.some((copy) => copy.stale) || copies.length < answers.length,
      fetched_at: copies.map((copy) => copy.fetched_at).sort()[0] ?? new Date().toISOString(),
    };
  }

  /** The pool's catalogue from the copies held, without a fetch; null when no backend's is known yet. */
  cached(): ObjectInfo | null {
    return this.pool.mergedObjectInfo();
  }

  /** Just the catalogue, for the builders. */
  async objectInfo(): Promise<ObjectInfo> {
    return (await this.get()).object_info;
  }
}
