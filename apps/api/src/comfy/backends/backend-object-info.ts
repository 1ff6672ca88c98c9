import type { ObjectInfo } from '@atelier/comfy-client';
import type { ComfyObjectInfoResponse } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { describeComfyError, toComfyAppError } from '../comfy-errors.js';
import type { BackendLink, ComfyWiring } from './backend-link.js';

export interface ObjectInfoEntry {
  info: ObjectInfo;
  fetchedAt: Date;
  generation: number;
}

export interface ObjectInfoHooks {
  ttlMs(): number;
  /** Whether the watchdog knows the server is down (then a stale copy is served without waiting). */
  isDown(): boolean;
  /** A fresh copy came from the server (not a cache hit, not a stale copy). */
  onFetched(entry: ObjectInfoEntry): void;
}

/**
 * One backend's /object_info (a few hundred KiB, slow on servers with many custom nodes) behind a TTL
 * cache. One fetch at a time, shared by concurrent callers. While the server is unreachable the last copy
 * is served, marked stale; a rewiring (new URL) drops it. The dispatcher's routing reads `peek()`: the copy
 * it has, never a fetch.
 */
export class BackendObjectInfo {
  private readonly logger = new Logger(BackendObjectInfo.name);
  private entry: ObjectInfoEntry | null = null;
  private inFlight: { generation: number; promise: Promise<ObjectInfoEntry> } | null = null;

  constructor(
    private readonly link: BackendLink,
    private readonly hooks: ObjectInfoHooks,
  ) {}

  /** The last copy of the current wiring, however old; null before the first fetch. */
  peek(): ObjectInfoEntry | null {
    const wiring = this.link.current();
    return wiring && this.entry?.generation === wiring.generation ? this.entry : null;
  }

  /** The node catalogue; `refresh` skips the cache. 503 while the backend is unwired. */
  async get(refresh = false): Promise<ComfyObjectInfoResponse> {
    const wiring = this.link.current();
    if (!wiring) throw new AppError('comfy.disabled', 'This ComfyUI backend is switched off');
    const cached = this.peek();
    if (cached && !refresh && Date.now() - cached.fetchedAt.getTime() < this.hooks.ttlMs())
      return view(cached, false);
    // Known to be down: answer with what we have instead of waiting for the retries to fail.
    if (cached && !refresh && this.hooks.isDown()) return view(cached, true);
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

  /** Fetches in the background (after a (re)connect), so routing knows what the server has. */
  prefetch(): void {
    const wiring = this.link.current();
    if (!wiring) return;
    this.fetch(wiring).catch((error: unknown) =>
      this.logger.warn({ error: describeComfyError(error) }, 'Fetching object_info failed'),
    );
  }

  /** A new wiring: the old copy described another server. */
  reset(): void {
    this.entry = null;
    this.inFlight = null;
  }

  private fetch(wiring: ComfyWiring): Promise<ObjectInfoEntry> {
    if (this.inFlight?.generation === wiring.generation) return this.inFlight.promise;
    const promise = wiring.client.objectInfo().then((info) => {
      const entry: ObjectInfoEntry = { info, fetchedAt: new Date(), generation: wiring.generation };
      if (this.link.current() === wiring) {
        this.entry = entry;
        this.hooks.onFetched(entry);
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

export function objectInfoView(entry: ObjectInfoEntry, stale: boolean): ComfyObjectInfoResponse {
  return view(entry, stale);
}

function view(entry: ObjectInfoEntry, stale: boolean): ComfyObjectInfoResponse {
  return { object_info: entry.info, stale, fetched_at: entry.fetchedAt.toISOString() };
}
