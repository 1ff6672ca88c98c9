import type { BackendState } from '@atelier/contract';
import type { ApiPrompt } from '@atelier/workflow';
import { Logger } from '@nestjs/common';
import type { EventBus } from '../../events/event-bus.js';
import type { DispatchBackend } from './backend-directory.js';
import { BackendLink, type ComfyWiring, type WiringTarget } from './backend-link.js';
import { missingOn } from './backend-needs.js';
import { BackendObjectInfo, type ObjectInfoEntry } from './backend-object-info.js';
import { BackendWatchdog } from './backend-watchdog.js';
import type { ComfyBackendEntity } from './backend.entity.js';

export type BackendSpec = Pick<
  ComfyBackendEntity,
  'id' | 'name' | 'url' | 'isDefault' | 'weight' | 'tags' | 'enabled' | 'draining' | 'createdAt' | 'updatedAt'
>;

/** A check a backend passes after each (re)connect before it takes jobs (the warm-up workflow). */
export type ReadinessCheck = (
  backend: PoolBackend,
  wiring: ComfyWiring,
  signal: AbortSignal,
) => Promise<void>;

/** What the pool lends each backend: settings read live, the bus, the shared client id. */
export interface PoolContext {
  /** Read when a backend is created (after the boot settled the cluster's id). */
  clientId(): string;
  /** Only the leader opens sockets (always true in the embedded mode). */
  leading(): boolean;
  readonly viewCacheBytes: number;
  readonly bus: EventBus;
  watchdogIntervalMs(): number;
  objectInfoTtlMs(): number;
  /** Jobs a backend holds at once: the running one plus `comfy_prefetch`. */
  capacity(): number;
  /** Seconds a backend may stay down before its jobs count as lost. */
  lostAfterMs(): number;
  readinessCheck(): ReadinessCheck | null;
  /** `accepting` changed, or the state did (health, admin views). */
  changed(backend: PoolBackend): void;
  /** The default backend fetched a fresh object_info (the template library re-checks against it). */
  objectInfoFetched(backend: PoolBackend, entry: ObjectInfoEntry): void;
}

/**
 * One ComfyUI server of the pool: its spec (the admin's row), its wiring and socket (BackendLink), health
 * (BackendWatchdog), object_info (BackendObjectInfo) and readiness. After each (re)connect it runs the
 * readiness check (the warm-up) before it accepts jobs; a server down longer than `comfy_backend_lost_after_s`
 * has its jobs declared lost (`comfy.server_exited` with its id), since its in-memory queue is gone.
 */
export class PoolBackend implements DispatchBackend {
  private readonly logger = new Logger(PoolBackend.name);
  readonly link: BackendLink;
  readonly watchdog: BackendWatchdog;
  readonly objectInfo: BackendObjectInfo;
  /** The wiring generation whose readiness check passed; accepting needs the current one. */
  private readyGeneration: number | null = null;
  private warmup: AbortController | null = null;
  private lostTimer: NodeJS.Timeout | undefined;
  private lastAccepting = false;
  private lastState: BackendState = 'disabled';
  /** The wiring whose socket this replica opened on gaining the lease (its next opening is no restart). */
  private takeoverGeneration: number | null = null;

  constructor(
    public spec: BackendSpec,
    private readonly context: PoolContext,
  ) {
    this.link = new BackendLink(spec.id, context.clientId(), context.viewCacheBytes, context.bus, {
      onConnection: (state, isReconnect) => this.watchdog.connection(state, isReconnect),
      onQueueStatus: (remaining) => this.watchdog.queueStatus(remaining),
      socketWanted: () => context.leading(),
    });
    this.watchdog = new BackendWatchdog(spec.id, this.link, {
      intervalMs: () => context.watchdogIntervalMs(),
      onReachable: (reason) => this.reachable(reason),
      onSocketOpen: () => this.socketOpened(),
      onStateChange: (_from, to) => this.watchStateChanged(to),
    });
    this.objectInfo = new BackendObjectInfo(this.link, {
      ttlMs: () => context.objectInfoTtlMs(),
      isDown: () => this.watchdog.state === 'down',
      onFetched: (entry) => context.objectInfoFetched(this, entry),
    });
  }

  get id(): number {
    return this.spec.id;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The current wiring; throws while unwired (the directory lists wired backends only). */
  get wiring(): ComfyWiring {
    const wiring = this.link.current();
    if (!wiring) throw new Error(`Backend ${this.spec.id} is not wired`);
    return wiring;
  }

  get capacity(): number {
    return this.context.capacity();
  }

  get state(): BackendState {
    const wiring = this.link.current();
    if (!wiring) return 'disabled';
    const watched = this.watchdog.state;
    if (watched === 'down') return 'down';
    if (watched === 'unknown' || this.readyGeneration !== wiring.generation) return 'connecting';
    return 'up';
  }

  get accepting(): boolean {
    return this.spec.enabled && !this.spec.draining && this.state === 'up';
  }

  missing(prompt: ApiPrompt): string[] {
    const entry = this.objectInfo.peek();
    // Not fetched yet: no evidence either way; ComfyUI's own validation answers for it.
    return entry ? missingOn(entry.info, prompt) : [];
  }

  /** Wires to `target` (null: unwires); a new target resets health, object_info and readiness. */
  wire(target: WiringTarget | null): void {
    const before = this.link.current();
    this.link.apply(target);
    if (this.link.current() === before) return;
    this.warmup?.abort();
    this.warmup = null;
    this.readyGeneration = null;
    this.objectInfo.reset();
    this.watchdog.rewired();
    this.clearLostTimer();
    this.notify();
  }

  /** The admin changed name, weight, tags, draining or enabled (the pool rewires separately). */
  respec(spec: BackendSpec): void {
    this.spec = spec;
    this.notify();
  }

  /**
   * This replica gained the lease (opens the socket) or lost it (closes it; probes go on over HTTP).
   * Resolves once the socket is closed or connecting.
   */
  async leadershipChanged(leading: boolean): Promise<void> {
    // The old leader warmed this server: opening the socket for a takeover is not a restart.
    this.takeoverGeneration = leading ? (this.link.current()?.generation ?? null) : null;
    await this.link.followSocketWanted();
    void this.watchdog.probeNow();
  }

  async close(): Promise<void> {
    this.warmup?.abort();
    this.clearLostTimer();
    await this.watchdog.stop();
    await this.link.close();
  }

  /** Tells the pool when what the dispatcher or the health view see changed. */
  notify(): void {
    const accepting = this.accepting;
    const state = this.state;
    if (accepting === this.lastAccepting && state === this.lastState) return;
    this.lastAccepting = accepting;
    this.lastState = state;
    this.context.changed(this);
  }

  private watchStateChanged(to: string): void {
    if (to === 'down') this.armLostTimer();
    else this.clearLostTimer();
    this.notify();
  }

  /**
   * Reachable again (or for the first time): its jobs take a fresh look, what it has is learnt, and it takes
   * jobs, unless the readiness check its socket's opening started is still running.
   */
  private reachable(reason: string): void {
    const wiring = this.link.current();
    if (!wiring) return;
    void this.context.bus.publish('comfy.backend_reachable', { backendId: this.spec.id, reason });
    this.objectInfo.prefetch();
    if (this.warmup) return;
    this.readyGeneration = wiring.generation;
    this.notify();
  }

  /**
   * The socket opened: the first time, or again (usually a restart, its models cold). The readiness check (the
   * warm-up) runs once per opening, and the backend takes no job meanwhile. Triggered by the socket alone, so a
   * restart the probes also noticed is warmed once, not twice.
   */
  private socketOpened(): void {
    const wiring = this.link.current();
    const check = this.context.readinessCheck();
    if (!wiring || !check) return;
    if (this.takeoverGeneration === wiring.generation) {
      this.takeoverGeneration = null;
      return;
    }
    this.readyGeneration = null;
    this.notify();
    this.warmup?.abort();
    const abort = new AbortController();
    this.warmup = abort;
    check(this, wiring, abort.signal)
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        // A failed warm-up is logged, not fatal: the server answers, and its own validation stands for jobs.
        this.logger.warn({ err: error, backendId: this.spec.id }, 'The readiness check failed');
      })
      .finally(() => {
        if (this.warmup !== abort || abort.signal.aborted || this.link.current() !== wiring) return;
        this.warmup = null;
        this.readyGeneration = wiring.generation;
        this.notify();
      });
  }

  private armLostTimer(): void {
    if (this.lostTimer) return;
    this.lostTimer = setTimeout(() => {
      this.lostTimer = undefined;
      if (this.watchdog.state !== 'down') return;
      const reason = `ComfyUI backend ${this.spec.name} has been unreachable for ${Math.round(this.context.lostAfterMs() / 1000)} s`;
      void this.context.bus.publish('comfy.server_exited', { reason, backendId: this.spec.id });
    }, this.context.lostAfterMs());
    this.lostTimer.unref();
  }

  private clearLostTimer(): void {
    clearTimeout(this.lostTimer);
    this.lostTimer = undefined;
  }
}
