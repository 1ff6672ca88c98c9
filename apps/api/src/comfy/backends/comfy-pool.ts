import type {
  BackendHealth,
  BackendView,
  ObjectInfo,
  RuntimeSettingKey,
  RuntimeSettings,
} from '@atelier/contract';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { LeaderLease } from '../../cluster/leader-lease.js';
import { AppError } from '../../common/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { RuntimeConfig } from '../../config/runtime-config.service.js';
import { jobEndEvents } from '../../events/app-events.js';
import { EventBus } from '../../events/event-bus.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../../redis/redis-connections.js';
import { BackendDirectory, type BackendId } from './backend-directory.js';
import type { ComfyWiring, WiringTarget } from './backend-link.js';
import type { ComfyBackendEntity } from './backend.entity.js';
import { clusterClientId, newClientId } from './cluster-client-id.js';
import { BackendsRepository } from './backends.repository.js';
import { mergeObjectInfo } from './merge-object-info.js';
import { PoolBackend, type BackendSpec, type PoolContext, type ReadinessCheck } from './pool-backend.js';

/** A disabled backend still holding jobs is looked at again this often until it can be unwired. */
const settleRecheckMs = 250;

/** Settings that need new clients or sockets when they change. */
const wiringKeys: ReadonlySet<RuntimeSettingKey> = new Set<RuntimeSettingKey>([
  'comfy_enabled',
  'comfy_api_url',
  'comfy_timeout',
  'comfy_reconnect_max_attempts',
  'comfy_reconnect_base_delay_s',
  'comfy_reconnect_max_delay_s',
]);

/**
 * The pool of ComfyUI servers (table comfy_backends): one PoolBackend per enabled row, each with its own
 * wiring, socket, watchdog, object_info and readiness, all under one client id (ComfyUI scopes client ids per
 * server); in scale-out mode the cluster's, and only the leader keeps the sockets open. `comfy_enabled` is
 * the master switch; the default backend follows `comfy_api_url` (the managed server in managed mode) while
 * its row has no URL of its own. A disabled backend with jobs in flight stays wired (not accepting) until
 * they end, then unwires.
 *
 * It is the BackendDirectory the dispatcher reads, and publishes `comfy.backend_state` when a backend's
 * `accepting` changes. The admin's changes (BackendsAdmin) come through `reload`.
 */
@Injectable()
export class ComfyPool extends BackendDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  private ownClientId = newClientId();
  private readonly logger = new Logger(ComfyPool.name);
  private readonly backends = new Map<BackendId, PoolBackend>();
  private specs: BackendSpec[] = [];
  private defaultBackendId: BackendId = 1;
  private readiness: ReadinessCheck | null = null;
  private readonly detach: (() => void)[] = [];
  private shuttingDown = false;
  private readonly context: PoolContext;
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfig,
    private readonly bus: EventBus,
    private readonly rows: BackendsRepository,
    @Inject(LeaderLease) private readonly lease: LeaderLease,
    @Inject(REDIS_CONNECTIONS) private readonly redis: RedisConnections | null,
  ) {
    super();
    const settings = () => this.runtime.get();
    this.context = {
      clientId: () => this.clientId,
      leading: () => this.lease.isLeader,
      viewCacheBytes: config.comfyTuning.viewCacheMb * 1024 * 1024,
      bus,
      watchdogIntervalMs: () =>
        this.config.comfyTuning.watchdogIntervalMs ?? settings().comfy_health_interval_s * 1000,
      objectInfoTtlMs: () => settings().comfy_object_info_ttl_s * 1000,
      capacity: () => 1 + settings().comfy_prefetch,
      lostAfterMs: () => settings().comfy_backend_lost_after_s * 1000,
      readinessCheck: () => this.readiness,
      changed: (backend) => {
        void this.bus.publish('comfy.backend_state', { backendId: backend.id, accepting: backend.accepting });
      },
      // The template library checks against the pool's catalogue (as GET /object-info serves it).
      objectInfoFetched: (_backend, entry) => {
        const info = this.mergedObjectInfo();
        if (info) void this.bus.publish('comfy.object_info_refreshed', { info, fetchedAt: entry.fetchedAt });
      },
    };
  }

  /** The client id of every prompt and socket: the cluster's in scale-out mode, else the process's own. */
  get clientId(): string {
    return this.ownClientId;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.redis) this.ownClientId = await clusterClientId(this.redis.command);
    this.detach.push(
      // Only the leader keeps the sockets open (the lease never changes in the embedded mode).
      this.lease.onChange(async (leading) => {
        await Promise.all([...this.backends.values()].map((backend) => backend.leadershipChanged(leading)));
      }),
      // Every replica rewires on a change made on any of them (RuntimeConfig has applied it by then).
      this.bus.subscribe(
        'config.changed',
        ({ changedKeys }) => {
          if (changedKeys.some((key) => wiringKeys.has(key))) this.applyAll();
          if (changedKeys.includes('comfy_health_interval_s'))
            for (const backend of this.backends.values()) backend.watchdog.reschedule();
        },
        { from: 'any-replica' },
      ),
      // A backend changed through another replica (which reloaded already): the leader must dispatch to it too.
      this.bus.subscribe(
        'comfy.backends_changed',
        (_change, meta) => (meta.local ? undefined : this.reload()),
        { from: 'any-replica' },
      ),
      // A disabled backend unwires once its last job ends.
      ...jobEndEvents.map((name) => this.bus.subscribe(name, () => void this.settleDisabled())),
    );
    await this.reload();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearTimeout(this.settleTimer);
    for (const off of this.detach.splice(0)) off();
    await Promise.all([...this.backends.values()].map((backend) => backend.close()));
    this.backends.clear();
  }

  // BackendDirectory: the wired backends.
  list(): readonly PoolBackend[] {
    return [...this.backends.values()].filter((backend) => backend.link.current() !== null);
  }

  get(id: BackendId): PoolBackend | null {
    const backend = this.backends.get(id);
    return backend && backend.link.current() ? backend : null;
  }

  defaultId(): BackendId {
    return this.defaultBackendId;
  }

  /** The default backend (wired or not), or null before the rows are read. */
  defaultBackend(): PoolBackend | null {
    return this.backends.get(this.defaultBackendId) ?? null;
  }

  /** Every wired backend's last object_info merged (merge-object-info.ts); null while none is known. */
  mergedObjectInfo(): ObjectInfo | null {
    const copies = this.list().flatMap((backend) => {
      const entry = backend.objectInfo.peek();
      return entry ? [entry.info] : [];
    });
    return copies.length > 0 ? mergeObjectInfo(copies) : null;
  }

  /** The wiring of a backend (null or absent: the default), or null while it is unwired. */
  wiringOf(id: BackendId | null | undefined): ComfyWiring | null {
    return this.backends.get(id ?? this.defaultBackendId)?.link.current() ?? null;
  }

  /** The wiring of a backend; 503 `comfy.disabled` while it (or the integration) is off. */
  requireWiring(id: BackendId | null | undefined): ComfyWiring {
    const wiring = this.wiringOf(id);
    if (wiring) return wiring;
    if (!this.runtime.get().comfy_enabled)
      throw new AppError('comfy.disabled', 'The ComfyUI integration is switched off');
    throw new AppError('comfy.disabled', 'That ComfyUI backend is switched off');
  }

  /** Any backend by id, wired or not (admin and health views). */
  handle(id: BackendId): PoolBackend | null {
    return this.backends.get(id) ?? null;
  }

  /** A check every backend passes after each (re)connect before it takes jobs (the warm-up). */
  useReadinessCheck(check: ReadinessCheck | null): void {
    this.readiness = check;
  }

  /** Reads the rows again and rewires what changed (after an admin change, and at boot). */
  async reload(): Promise<void> {
    const rows = await this.rows.listLive();
    this.specs = rows.map(specOf);
    this.defaultBackendId = rows.find((row) => row.isDefault)?.id ?? this.defaultBackendId;
    const live = new Set(this.specs.map((spec) => spec.id));
    for (const [id, backend] of this.backends) {
      if (live.has(id)) continue;
      this.backends.delete(id);
      await backend.close();
    }
    for (const spec of this.specs) {
      const backend = this.backends.get(spec.id);
      if (backend) backend.respec(spec);
      else this.backends.set(spec.id, new PoolBackend(spec, this.context));
    }
    await this.applyAllChecked();
  }

  /** Every backend as admins see it. */
  async views(): Promise<BackendView[]> {
    const counts = await this.rows.inFlightByBackend(this.defaultBackendId);
    return this.specs.map((spec) => this.viewOf(spec, counts.get(spec.id) ?? 0));
  }

  async view(id: BackendId): Promise<BackendView | null> {
    return (await this.views()).find((view) => view.id === id) ?? null;
  }

  /** A backend's name (wired or not), for job views; null when it was removed. */
  nameOf(id: BackendId): string | null {
    return this.specs.find((spec) => spec.id === id)?.name ?? null;
  }

  /** Every backend as GET /api/comfy/health lists it (no URLs). */
  async health(): Promise<BackendHealth[]> {
    return (await this.views()).map((view) => ({
      id: view.id,
      name: view.name,
      is_default: view.is_default,
      state: view.state,
      draining: view.draining,
      in_flight: view.in_flight,
      queue_remaining: view.queue_remaining,
    }));
  }

  private viewOf(spec: BackendSpec, inFlight: number): BackendView {
    const backend = this.backends.get(spec.id);
    const wiring = backend?.link.current() ?? null;
    const watched = backend && wiring ? backend.watchdog.view() : null;
    return {
      id: spec.id,
      name: spec.name,
      url: spec.url,
      effective_url: wiring?.baseUrl ?? null,
      is_default: spec.isDefault,
      weight: spec.weight,
      tags: spec.tags,
      enabled: spec.enabled,
      draining: spec.draining,
      state: backend?.state ?? 'disabled',
      in_flight: inFlight,
      queue_remaining: watched?.queue_remaining ?? null,
      latency_ms: watched?.latency_ms ?? null,
      last_error: watched?.last_error ?? null,
      version: watched?.version ?? null,
      object_info_at: backend?.objectInfo.peek()?.fetchedAt.toISOString() ?? null,
      created_at: spec.createdAt.toISOString(),
      updated_at: spec.updatedAt.toISOString(),
    };
  }

  /** Wires and unwires every backend as the settings and rows say (a disabled one only once it is empty). */
  private applyAll(): void {
    void this.applyAllChecked().catch((error: unknown) =>
      this.logger.error({ err: error }, 'Rewiring the ComfyUI backends failed'),
    );
  }

  private async applyAllChecked(): Promise<void> {
    const settings = this.runtime.get();
    if (settings.comfy_enabled && !this.shuttingDown) this.ensureImageDir();
    for (const spec of this.specs) {
      const backend = this.backends.get(spec.id);
      if (!backend) continue;
      const wanted = settings.comfy_enabled && !this.shuttingDown;
      if (wanted && spec.enabled) backend.wire(targetOf(spec, settings));
      else if (!wanted) backend.wire(null);
      // Disabled by the admin: keep following its jobs until they end.
      else if ((await this.rows.countInFlight(spec.id, spec.isDefault)) === 0) backend.wire(null);
      else this.settleSoon();
    }
  }

  /**
   * Looks again shortly: a job's end event comes before its ledger write, so the count seen then may still
   * hold it (and no other event may follow).
   */
  private settleSoon(): void {
    if (this.settleTimer || this.shuttingDown) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.settleDisabled();
    }, settleRecheckMs);
    this.settleTimer.unref();
  }

  private ensureImageDir(): void {
    try {
      mkdirSync(this.config.comfy.imageDir, { recursive: true });
    } catch (error) {
      this.logger.error(
        { err: error, dir: this.config.comfy.imageDir },
        'Cannot create the ComfyUI image dir',
      );
    }
  }

  private async settleDisabled(): Promise<void> {
    if (!this.specs.some((spec) => !spec.enabled && this.backends.get(spec.id)?.link.current())) return;
    await this.applyAllChecked().catch((error: unknown) =>
      this.logger.error({ err: error }, 'Unwiring a disabled ComfyUI backend failed'),
    );
  }
}

function specOf(row: ComfyBackendEntity): BackendSpec {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    isDefault: row.isDefault,
    weight: row.weight,
    tags: row.tags,
    enabled: row.enabled,
    draining: row.draining,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function targetOf(spec: BackendSpec, settings: Readonly<RuntimeSettings>): WiringTarget {
  return {
    baseUrl: spec.url ?? settings.comfy_api_url,
    timeoutMs: settings.comfy_timeout * 1000,
    reconnect: {
      baseDelayMs: settings.comfy_reconnect_base_delay_s * 1000,
      maxDelayMs: settings.comfy_reconnect_max_delay_s * 1000,
      maxAttempts: settings.comfy_reconnect_max_attempts,
    },
  };
}
