import type { ObjectInfo } from '@atelier/comfy-client';
import type { ComfyObjectInfoResponse } from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { EventBus } from '../events/event-bus.js';
import { describeComfyError, toComfyAppError } from './comfy-errors.js';
import { ComfyService, type ComfyWiring } from './comfy.service.js';
import { WatchdogService } from './watchdog.service.js';

interface Entry {
  info: ObjectInfo;
  fetchedAt: Date;
  generation: number;
}

/**
 * ComfyUI's /object_info (a few hundred KiB, slow on servers with many custom nodes) behind a TTL
 * cache of `comfy_object_info_ttl_s`. One fetch at a time, shared by concurrent callers. While
 * ComfyUI is unreachable the last copy is served, marked stale; a rewiring (new URL) drops it. Each copy
 * fetched from ComfyUI is published as `comfy.object_info_refreshed` (e.g. to re-check templates).
 */
@Injectable()
export class ObjectInfoCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ObjectInfoCache.name);
  private entry: Entry | null = null;
  private inFlight: { generation: number; promise: Promise<Entry> } | null = null;
  private detach: () => void = () => {};

  constructor(
    private readonly comfy: ComfyService,
    private readonly runtime: RuntimeConfig,
    private readonly watchdog: WatchdogService,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.detach = this.bus.subscribe('comfy.wiring_changed', () => {
      this.entry = null;
      this.inFlight = null;
    });
  }

  onModuleDestroy(): void {
    this.detach();
  }

  /** The node catalogue; `refresh` skips the cache (the route rate-limits it). */
  async get(refresh = false): Promise<ComfyObjectInfoResponse> {
    const wiring = this.comfy.require();
    const cached = this.entry?.generation === wiring.generation ? this.entry : null;
    const ttlMs = this.runtime.get().comfy_object_info_ttl_s * 1000;
    if (cached && !refresh && Date.now() - cached.fetchedAt.getTime() < ttlMs) return view(cached, false);
    // Known to be down: answer with what we have instead of waiting for the retries to fail.
    if (cached && !refresh && this.watchdog.view().state === 'down') return view(cached, true);
    try {
      return view(await this.fetch(wiring), false);
    } catch (error) {
      if (cached) {
        this.logger.warn({ error: describeComfyError(error) }, 'Serving a stale object_info');
        return view(cached, true);
      }
      throw toComfyAppError(error);
    }
  }

  /** The current wiring's last copy, without a fetch (routing checks run on every submit); null when none. */
  cached(): ObjectInfo | null {
    const wiring = this.comfy.current();
    return wiring && this.entry?.generation === wiring.generation ? this.entry.info : null;
  }

  /** Just the catalogue, for the builders. */
  async objectInfo(): Promise<ObjectInfo> {
    return (await this.get()).object_info;
  }

  private fetch(wiring: ComfyWiring): Promise<Entry> {
    if (this.inFlight?.generation === wiring.generation) return this.inFlight.promise;
    const promise = wiring.client.objectInfo().then((info) => {
      const entry: Entry = { info, fetchedAt: new Date(), generation: wiring.generation };
      if (this.comfy.current() === wiring) {
        this.entry = entry;
        void this.bus.publish('comfy.object_info_refreshed', { info, fetchedAt: entry.fetchedAt });
      }
      return entry;
    });
    const flight = { generation: wiring.generation, promise };
    this.inFlight = flight;
    const clear = () => {
      if (this.inFlight === flight) this.inFlight = null;
    };
    promise.then(clear, clear);
    return promise;
  }
}

function view(entry: Entry, stale: boolean): ComfyObjectInfoResponse {
  return { object_info: entry.info, stale, fetched_at: entry.fetchedAt.toISOString() };
}
