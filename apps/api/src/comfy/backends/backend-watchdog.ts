import type { ComfyDevice, ComfyHealthInfo, ComfyWatchState } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { describeComfyError } from '../comfy-errors.js';
import type { BackendLink, ComfyWiring } from './backend-link.js';

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

export interface WatchdogHooks {
  /** Milliseconds between two probes (read at each scheduling: the setting may change). */
  intervalMs(): number;
  /** The server answers again (or for the first time), or its socket reconnected: jobs should take a fresh look. */
  onReachable(reason: string): void;
  /** The socket opened (first time, or again: usually a restart of the server). */
  onSocketOpen(isReconnect: boolean): void;
  /** The state changed (e.g. up → down). */
  onStateChange(from: ComfyWatchState, to: ComfyWatchState): void;
}

/**
 * One backend's health (what WatchdogService did for the one server there was): probes `/system_stats` on a
 * timer and after socket events; up, degraded (slow, or HTTP answers while a socket it wants is down), down (with the
 * last error). Reachable again → reopens a socket that gave up and reports it, so its jobs are reconciled.
 * Never throws: a server that is down is a state, not a failure.
 */
export class BackendWatchdog {
  private readonly logger = new Logger(BackendWatchdog.name);
  private current: WatchState = unknownState();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private probing: Promise<void> | null = null;
  private probeAgain = false;
  private stopped = false;
  /** When the server was first seen down in the current outage; null while it answers. */
  private downAt: number | null = null;

  constructor(
    private readonly backendId: number,
    private readonly link: BackendLink,
    private readonly hooks: WatchdogHooks,
  ) {}

  /** The comfy part of the health view. */
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
      socket: this.link.current()?.socket.state ?? 'idle',
    };
  }

  get state(): ComfyWatchState {
    return this.current.state;
  }

  /** Since when the server has not answered (ms since the epoch); null while it answers. */
  get downSince(): number | null {
    return this.downAt;
  }

  /** A new wiring (or none): forget what the old one said, and probe the new one at once. */
  rewired(): void {
    this.current = unknownState();
    this.downAt = null;
    if (this.link.current()) void this.probeNow();
    else this.clearTimers();
  }

  queueStatus(queueRemaining: number): void {
    this.current.queueRemaining = queueRemaining;
  }

  connection(state: string, isReconnect: boolean): void {
    if (state === 'open') this.hooks.onSocketOpen(isReconnect);
    if (state === 'open' && isReconnect) this.hooks.onReachable('socket reconnected');
    this.probeSoon();
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

  /** Re-arms the timer (the interval setting changed). */
  reschedule(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await this.probing;
  }

  private async runProbes(): Promise<void> {
    do {
      this.probeAgain = false;
      const wiring = this.link.current();
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
    if (this.stopped || !this.link.current()) return;
    this.timer = setTimeout(() => void this.probeNow(), this.hooks.intervalMs());
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
      // A follower's socket is closed on purpose (only the leader's is open): not a degradation.
      const socketOpen = wiring.socket.isOpen || !this.link.socketWanted;
      const queueRemaining =
        wiring.socket.isOpen && before.queueRemaining !== null
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
    if (this.link.current() !== wiring || this.stopped) return;
    this.current = next;
    if (next.state === 'down') this.downAt ??= Date.now();
    else this.downAt = null;
    if (before.state !== next.state) {
      this.logger.log(
        { backendId: this.backendId, from: before.state, to: next.state, error: next.lastError },
        'ComfyUI state changed',
      );
      this.hooks.onStateChange(before.state, next.state);
    }
    if (next.state === 'down') return;
    // The socket may have given up while ComfyUI was away.
    this.link.reconnectSocket();
    if (before.state === 'down' || before.state === 'unknown') this.hooks.onReachable('ComfyUI is reachable');
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
