import type { ComfyDevice, ComfyHealthInfo, ComfyWatchState } from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { EventBus } from '../events/event-bus.js';
import { describeComfyError } from './comfy-errors.js';
import { ComfyService, type ComfyWiring } from './comfy.service.js';
import { JobTracker } from './job-tracker.js';

/** A probe slower than this counts as degraded. */
const slowProbeMs = 2000;
/** After a socket event, probe again this soon (coalesced), so the state follows the socket quickly. */
const socketProbeDelayMs = 50;

interface WatchState {
  state: ComfyWatchState;
  version: string | null;
  devices: ComfyDevice[];
  queueRemaining: number | null;
  lastError: string | null;
  latencyMs: number | null;
  checkedAt: Date | null;
}

const unknownState = (): WatchState => ({
  state: 'unknown',
  version: null,
  devices: [],
  queueRemaining: null,
  lastError: null,
  latencyMs: null,
  checkedAt: null,
});

/**
 * Probes ComfyUI (`/system_stats`) every `comfy_health_interval_s` and keeps its state: up, degraded
 * (slow, or HTTP answers while the socket is down), down (with the last error). When ComfyUI becomes
 * reachable again, or the socket reconnects, it reopens a socket that gave up and has every job the
 * ledger still thinks is queued or running reconciled (see JobTracker.reconcileActive). Never throws:
 * a ComfyUI that is down at boot is a state, not a failure.
 */
@Injectable()
export class WatchdogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WatchdogService.name);
  private current: WatchState = unknownState();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private probing: Promise<void> | null = null;
  private probeAgain = false;
  private readonly detach: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly comfy: ComfyService,
    private readonly runtime: RuntimeConfig,
    private readonly config: AppConfig,
    private readonly tracker: JobTracker,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.detach.push(
      this.bus.subscribe('comfy.wiring_changed', ({ enabled }) => {
        this.current = unknownState();
        if (enabled) void this.probeNow();
        else this.clearTimers();
      }),
      this.bus.subscribe('comfy.queue_status', ({ queueRemaining }) => {
        this.current.queueRemaining = queueRemaining;
      }),
      this.bus.subscribe('comfy.connection', ({ state, isReconnect }) => {
        if (state === 'open' && isReconnect) this.reconcile('socket reconnected');
        this.probeSoon();
      }),
      this.bus.subscribe('config.changed', ({ changedKeys }) => {
        if (changedKeys.includes('comfy_health_interval_s')) this.schedule();
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const off of this.detach.splice(0)) off();
    this.clearTimers();
    await this.probing;
  }

  /** The comfy part of GET /api/comfy/health. */
  view(): ComfyHealthInfo['comfy'] {
    const { current } = this;
    return {
      state: current.state,
      version: current.version,
      devices: current.devices,
      queue_remaining: current.queueRemaining,
      last_error: current.lastError,
      latency_ms: current.latencyMs,
      checked_at: current.checkedAt?.toISOString() ?? null,
      socket: this.comfy.current()?.socket.state ?? 'idle',
    };
  }

  /** Probes at once (coalesced with one in flight) and re-arms the timer. */
  probeNow(): Promise<void> {
    if (this.probing) {
      this.probeAgain = true;
      return this.probing;
    }
    this.probing = this.runProbes().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async runProbes(): Promise<void> {
    do {
      this.probeAgain = false;
      const wiring = this.comfy.current();
      if (!wiring || this.stopped) return;
      await this.probe(wiring);
    } while (this.probeAgain);
    this.schedule();
  }

  private probeSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.probeNow();
    }, socketProbeDelayMs);
    this.soon.unref();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !this.comfy.current()) return;
    const intervalMs =
      this.config.comfyTuning.watchdogIntervalMs ?? this.runtime.get().comfy_health_interval_s * 1000;
    this.timer = setTimeout(() => void this.probeNow(), intervalMs);
    this.timer.unref();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    this.soon = undefined;
  }

  private async probe(wiring: ComfyWiring): Promise<void> {
    const before = this.current;
    const started = performance.now();
    let next: WatchState;
    try {
      const stats = await wiring.probe.systemStats();
      const latencyMs = Math.round(performance.now() - started);
      const socketOpen = wiring.socket.isOpen;
      const queueRemaining =
        socketOpen && before.queueRemaining !== null
          ? before.queueRemaining
          : await wiring.probe.getQueueRemaining().catch(() => before.queueRemaining);
      const slow = latencyMs > slowProbeMs;
      next = {
        state: slow || !socketOpen ? 'degraded' : 'up',
        version: typeof stats.system.comfyui_version === 'string' ? stats.system.comfyui_version : null,
        devices: stats.devices.map(toDevice),
        queueRemaining,
        lastError: slow
          ? `ComfyUI answered slowly (${latencyMs} ms)`
          : socketOpen
            ? null
            : `The WebSocket is not connected (${wiring.socket.state})`,
        latencyMs,
        checkedAt: new Date(),
      };
    } catch (error) {
      next = {
        ...before,
        state: 'down',
        lastError: describeComfyError(error),
        latencyMs: null,
        checkedAt: new Date(),
      };
    }
    // A rewiring while the probe ran makes its answer meaningless.
    if (this.comfy.current() !== wiring || this.stopped) return;
    this.current = next;
    if (before.state !== next.state) {
      this.logger.log({ from: before.state, to: next.state, error: next.lastError }, 'ComfyUI state changed');
    }
    const reachable = next.state !== 'down';
    if (!reachable) return;
    // The socket may have given up while ComfyUI was away.
    this.comfy.reconnectSocket();
    if (before.state === 'down' || before.state === 'unknown') this.reconcile('ComfyUI is reachable');
  }

  private reconcile(reason: string): void {
    this.tracker.reconcileActive().catch((error: unknown) => {
      this.logger.error({ err: error, reason }, 'Reconciling ComfyUI jobs failed');
    });
  }
}

function toDevice(device: Record<string, unknown>): ComfyDevice {
  const out: ComfyDevice = {
    name: typeof device.name === 'string' ? device.name : 'unknown',
    type: typeof device.type === 'string' ? device.type : 'unknown',
  };
  if (typeof device.vram_total === 'number') out.vram_total = device.vram_total;
  if (typeof device.vram_free === 'number') out.vram_free = device.vram_free;
  return out;
}
