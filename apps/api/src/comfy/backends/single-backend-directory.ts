import type { ApiPrompt } from '@atelier/workflow';
import { Injectable } from '@nestjs/common';
import { RuntimeConfig } from '../../config/runtime-config.service.js';
import { ComfyService } from '../comfy.service.js';
import { ObjectInfoCache } from '../object-info.cache.js';
import { WatchdogService } from '../watchdog.service.js';
import { BackendDirectory, type BackendId, type DispatchBackend } from './backend-directory.js';
import { missingOn } from './backend-needs.js';

const defaultBackendId: BackendId = 1;

/** Today's one ComfyUI (COMFY_API_URL) as backend 1, `default`: until the pool takes over. */
@Injectable()
export class SingleBackendDirectory extends BackendDirectory {
  constructor(
    private readonly comfy: ComfyService,
    private readonly watchdog: WatchdogService,
    private readonly objectInfo: ObjectInfoCache,
    private readonly runtime: RuntimeConfig,
  ) {
    super();
  }

  list(): readonly DispatchBackend[] {
    const backend = this.get(defaultBackendId);
    return backend ? [backend] : [];
  }

  get(id: BackendId): DispatchBackend | null {
    const wiring = this.comfy.current();
    if (id !== defaultBackendId || !wiring) return null;
    return {
      id,
      name: 'default',
      // Unknown (not probed yet) counts as up: a post that fails puts the job back and the dispatcher waits.
      accepting: this.watchdog.view().state !== 'down',
      capacity: 1 + this.runtime.get().comfy_prefetch,
      wiring,
      missing: (prompt: ApiPrompt) => {
        const info = this.objectInfo.cached();
        return info ? missingOn(info, prompt) : [];
      },
    };
  }

  defaultId(): BackendId {
    return defaultBackendId;
  }
}
