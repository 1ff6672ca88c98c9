import { createComfyClient, type ComfyClient, type ComfySocket } from '@atelier/comfy-client';
import { Logger } from '@nestjs/common';
import { EventBus } from '../../events/event-bus.js';
import { relayExecution } from '../execution-events.js';
import { ViewCache } from '../view-cache.js';
import { ViewUpstream } from '../view-upstream.js';

/** Everything that talks to one ComfyUI server; replaced as a whole when its target changes. */
export interface ComfyWiring {
  /** The pool's backend this wiring belongs to. */
  readonly backendId: number;
  /** Increases with every rewiring of any backend: lets async work notice it belongs to a previous one. */
  readonly generation: number;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Retries idempotent calls. */
  readonly client: ComfyClient;
  /** Single attempts, for the watchdog's probes. */
  readonly probe: ComfyClient;
  /** The one socket to this server, under the cluster's client id (the leader's alone in scale-out mode). */
  readonly socket: ComfySocket;
  /** Image downloads (node:http streams, see view-upstream.ts). */
  readonly view: ViewUpstream;
  /** Image bytes ComfyUI sent, revalidated on each view; dies with the wiring (a new URL is another server). */
  readonly viewCache: ViewCache;
  /** The target it was built from, to tell whether a change needs a new one. */
  readonly settingsKey: string;
}

/** Where and how to reach one server. */
export interface WiringTarget {
  baseUrl: string;
  timeoutMs: number;
  reconnect: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number };
}

/** Every wiring of the process numbers from one counter, so a generation names one wiring of one backend. */
let generations = 0;

export interface LinkHooks {
  /** The socket opened, dropped, retries or gave up (after the bus event). */
  onConnection(state: 'open' | 'closed' | 'reconnecting' | 'gave_up', isReconnect: boolean): void;
  onQueueStatus(queueRemaining: number): void;
  /**
   * Whether this replica keeps the socket open: only the leader does in scale-out mode (one client id per
   * cluster, one socket per backend); always in the embedded mode.
   */
  socketWanted(): boolean;
}

/**
 * One backend's wiring and its socket's life (what ComfyService did for the one server there was): swapped
 * synchronously, so a request right after an admin change sees it, with the old socket closed before the
 * new one connects (ComfyUI unregisters sockets by client id). Publishes `comfy.wiring_changed`,
 * `comfy.connection` and `comfy.queue_status` with the backend's id.
 */
export class BackendLink {
  private readonly logger = new Logger(BackendLink.name);
  private wiring: ComfyWiring | null = null;
  private socketWork: Promise<void> = Promise.resolve();
  private detachSocket: () => void = () => {};

  constructor(
    readonly backendId: number,
    private readonly clientId: string,
    private readonly viewCacheBytes: number,
    private readonly bus: EventBus,
    private readonly hooks: LinkHooks,
  ) {}

  current(): ComfyWiring | null {
    return this.wiring;
  }

  /** False on a follower in scale-out mode, whose socket stays closed. */
  get socketWanted(): boolean {
    return this.hooks.socketWanted();
  }

  /** Wires to `target` (null: unwires); nothing happens when the target did not change. */
  apply(target: WiringTarget | null): void {
    const previous = this.wiring;
    if (!target && !previous) return;
    if (target && previous && previous.settingsKey === keyOf(target)) return;

    const next = target ? this.create(target) : null;
    this.detachSocket();
    this.detachSocket = () => {};
    this.wiring = next;
    const { backendId } = this;
    if (next) {
      const { generation } = next;
      this.detachSocket = next.socket.on((event) => {
        relayExecution(this.bus, backendId, event);
        if (event.type === 'status') {
          const queueRemaining = event.data.status.exec_info.queue_remaining;
          void this.bus.publish('comfy.queue_status', { backendId, generation, queueRemaining });
          this.hooks.onQueueStatus(queueRemaining);
        }
        if (event.type !== 'connection') return;
        // A reconnect usually means ComfyUI restarted: drop what it sent before (revalidation would catch it too).
        if (event.state === 'open' && event.isReconnect) next.viewCache.clear();
        void this.bus.publish('comfy.connection', {
          backendId,
          generation,
          state: event.state,
          isReconnect: event.isReconnect,
        });
        this.hooks.onConnection(event.state, event.isReconnect);
      });
      this.logger.log({ backendId, baseUrl: next.baseUrl }, 'ComfyUI backend wired');
    } else {
      this.logger.log({ backendId }, 'ComfyUI backend unwired');
    }
    void this.bus.publish('comfy.wiring_changed', {
      backendId,
      enabled: next !== null,
      generation: next?.generation ?? null,
    });
    this.socketWork = this.socketWork.then(async () => {
      if (previous) {
        previous.view.close();
        await previous.socket.close().catch(() => undefined);
      }
      if (next && this.wiring === next && this.hooks.socketWanted()) connect(next);
    });
  }

  /**
   * Opens or closes the socket after `socketWanted` changed (this replica gained or lost the lease); the
   * wiring stays, so HTTP (probes, object_info, views) goes on. Resolves once done.
   */
  followSocketWanted(): Promise<void> {
    const wiring = this.wiring;
    const wanted = this.hooks.socketWanted();
    this.socketWork = this.socketWork.then(async () => {
      if (!wiring || this.wiring !== wiring) return;
      if (wanted) connect(wiring);
      else await wiring.socket.close().catch(() => undefined);
    });
    return this.socketWork;
  }

  /** Re-opens the socket after it gave up (the watchdog calls this once ComfyUI answers again). */
  reconnectSocket(): void {
    const wiring = this.wiring;
    if (!wiring || wiring.socket.isOpen || !this.hooks.socketWanted()) return;
    if (wiring.socket.state !== 'gave_up' && wiring.socket.state !== 'idle') return;
    this.socketWork = this.socketWork.then(() => {
      if (this.wiring === wiring) connect(wiring);
    });
  }

  /** Unwires and waits for the socket to be closed. */
  async close(): Promise<void> {
    this.apply(null);
    await this.socketWork;
  }

  private create(target: WiringTarget): ComfyWiring {
    const { baseUrl, timeoutMs } = target;
    const client = createComfyClient({ baseUrl, timeoutMs, clientId: this.clientId });
    const probe = createComfyClient({ baseUrl, timeoutMs, maxRetries: 0, clientId: this.clientId });
    const socket = client.socket({ reconnect: target.reconnect, connectTimeoutMs: timeoutMs });
    generations += 1;
    return {
      backendId: this.backendId,
      generation: generations,
      baseUrl,
      timeoutMs,
      client,
      probe,
      socket,
      view: new ViewUpstream(baseUrl, timeoutMs),
      viewCache: new ViewCache(this.viewCacheBytes),
      settingsKey: keyOf(target),
    };
  }
}

function connect(wiring: ComfyWiring): void {
  // Not awaited: a ComfyUI that is down must not fail the boot; the watchdog reports it and retries.
  wiring.socket.connect().catch(() => undefined);
}

function keyOf(target: WiringTarget): string {
  const { reconnect } = target;
  return [
    target.baseUrl,
    target.timeoutMs,
    reconnect.baseDelayMs,
    reconnect.maxDelayMs,
    reconnect.maxAttempts,
  ].join('|');
}
