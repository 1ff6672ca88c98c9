import type { ObjectInfo } from '@atelier/comfy-client';
import type { ComfyObjectInfoResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ComfyPool } from './backends/comfy-pool.js';

/**
 * ComfyUI's /object_info, as the builders, the template library and GET /object-info read it: the default
 * backend's copy. Each backend of the pool keeps its own (backends/backend-object-info.ts: TTL
 * `comfy_object_info_ttl_s`, one fetch at a time, the last copy served stale while the server is down, dropped
 * on a rewiring); routing reads every backend's. A fresh copy of the default's is published as
 * `comfy.object_info_refreshed` (the template library re-checks on it).
 */
@Injectable()
export class ObjectInfoCache {
  constructor(private readonly pool: ComfyPool) {}

  /** The node catalogue of a backend (default: the default one); `refresh` skips the cache (the route rate-limits it). */
  get(refresh = false, backendId?: number): Promise<ComfyObjectInfoResponse> {
    const backend = this.pool.handle(backendId ?? this.pool.defaultId());
    if (!backend?.link.current()) {
      return Promise.reject(
        this.pool.wiringOf(null) === null && backendId === undefined
          ? new AppError('comfy.disabled', 'The ComfyUI integration is switched off')
          : new AppError('comfy.disabled', 'That ComfyUI backend is switched off'),
      );
    }
    return backend.objectInfo.get(refresh);
  }

  /** The default backend's last copy, without a fetch (routing checks run on every submit); null when none. */
  cached(): ObjectInfo | null {
    return this.pool.defaultBackend()?.objectInfo.peek()?.info ?? null;
  }

  /** Just the catalogue, for the builders. */
  async objectInfo(): Promise<ObjectInfo> {
    return (await this.get()).object_info;
  }
}
