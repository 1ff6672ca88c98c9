import { createComfyClient, type ComfyClient, type ComfySocket } from '@atelier/comfy-client';
import type { RuntimeSettingKey, RuntimeSettings } from '@atelier/contract';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { AppConfig } from '../config/app-config.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { EventBus } from '../events/event-bus.js';
import { AppError } from '../common/app-error.js';
import { relayExecution } from './execution-events.js';
import { ViewCache } from './view-cache.js';
import { ViewUpstream } from './view-upstream.js';

/** Everything that talks to one ComfyUI server; replaced as a whole when its settings change. */
export interface ComfyWiring {
  /** Increases with every rewiring: lets async work notice it belongs to a previous one. */
  readonly generation: number;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Retries idempotent calls. */
  readonly client: ComfyClient;
  /** Single attempts, for the watchdog's probes. */
  readonly probe: ComfyClient;
  /** The one socket, under the backend's client id. */
  readonly socket: ComfySocket;
  /** Image downloads (node:http streams, see view-upstream.ts). */
  readonly view: ViewUpstream;
  /** Image bytes ComfyUI sent, revalidated on each view; dies with the wiring (a new URL is another server). */
  readonly viewCache: ViewCache;
  /** The settings it was built from, to tell whether a change needs a new one. */
  readonly settingsKey: string;
}

/** Settings that need a new client or socket when they change. */
const wiringKeys: ReadonlySet<RuntimeSettingKey> = new Set<RuntimeSettingKey>([
  'comfy_enabled',
  'comfy_api_url',
  'comfy_timeout',
  'comfy_reconnect_max_attempts',
  'comfy_reconnect_base_delay_s',
  'comfy_reconnect_max_delay_s',
]);

/**
 * Wires and unwires the ComfyUI client and its socket as the live settings say: on at boot when
 * `comfy_enabled`, and again whenever an admin toggles it or changes the URL, timeout or reconnect
 * policy, without a restart. One backend client id for the life of the process: ComfyUI only sends a
 * prompt's events to the client id that queued it, so keeping it across rewirings keeps jobs audible.
 * Publishes `comfy.wiring_changed` after each swap, and the socket's `comfy.connection` and
 * `comfy.queue_status`; the per-job messages are read by the job tracker straight from the socket.
 */
@Injectable()
export class ComfyService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly clientId = `atelier-${randomUUID()}`;
  private readonly logger = new Logger(ComfyService.name);
  private wiring: ComfyWiring | null = null;
  private generation = 0;
  /** Socket closes and connects, in order: ComfyUI unregisters sockets by client id, so the old one must be gone first. */
  private socketWork: Promise<void> = Promise.resolve();
  private detachSocket: () => void = () => {};
  private stopWatchingConfig: () => void = () => {};
  private shuttingDown = false;

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfig,
    private readonly bus: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.stopWatchingConfig = this.bus.subscribe('config.changed', ({ changedKeys }) => {
      if (changedKeys.some((key) => wiringKeys.has(key))) this.apply();
    });
    this.apply();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.stopWatchingConfig();
    this.apply();
    await this.socketWork;
  }

  get isEnabled(): boolean {
    return this.runtime.get().comfy_enabled;
  }

  /** The current wiring, or null while the integration is off. */
  current(): ComfyWiring | null {
    return this.wiring;
  }

  /** The current wiring; 503 `comfy.disabled` while the integration is off. */
  require(): ComfyWiring {
    if (!this.wiring) throw new AppError('comfy.disabled', 'The ComfyUI integration is switched off');
    return this.wiring;
  }

  /** Re-opens the socket after it gave up (the watchdog calls this once ComfyUI answers again). */
  reconnectSocket(): void {
    const wiring = this.wiring;
    if (!wiring || wiring.socket.isOpen) return;
    if (wiring.socket.state !== 'gave_up' && wiring.socket.state !== 'idle') return;
    this.socketWork = this.socketWork.then(() => {
      if (this.wiring === wiring) this.connect(wiring);
    });
  }

  /** Swaps the wiring synchronously (so a request right after an admin change sees it) and moves the sockets after. */
  private apply(): void {
    const settings = this.runtime.get();
    const wanted = settings.comfy_enabled && !this.shuttingDown;
    const previous = this.wiring;
    if (!wanted && !previous) return;
    if (wanted && previous && sameTarget(previous, settings)) return;

    const next = wanted ? this.create(settings) : null;
    this.detachSocket();
    this.detachSocket = () => {};
    this.wiring = next;
    if (next) {
      const { generation } = next;
      this.detachSocket = next.socket.on((event) => {
        // Backend 1 is the default one (until the pool gives each backend its own wiring).
        relayExecution(this.bus, 1, event);
        if (event.type === 'status') {
          const queueRemaining = event.data.status.exec_info.queue_remaining;
          void this.bus.publish('comfy.queue_status', { generation, queueRemaining });
        }
        if (event.type !== 'connection') return;
        // A reconnect usually means ComfyUI restarted: drop what it sent before (revalidation would catch it too).
        if (event.state === 'open' && event.isReconnect) next.viewCache.clear();
        void this.bus.publish('comfy.connection', {
          generation,
          state: event.state,
          isReconnect: event.isReconnect,
        });
      });
      this.logger.log({ baseUrl: next.baseUrl }, 'ComfyUI integration wired');
    } else {
      this.logger.log('ComfyUI integration unwired');
    }
    void this.bus.publish('comfy.wiring_changed', {
      enabled: next !== null,
      generation: next?.generation ?? null,
    });
    this.socketWork = this.socketWork.then(async () => {
      if (previous) {
        previous.view.close();
        await previous.socket.close().catch(() => undefined);
      }
      if (next && this.wiring === next) this.connect(next);
    });
  }

  private connect(wiring: ComfyWiring): void {
    // Not awaited: a ComfyUI that is down must not fail the boot; the watchdog reports it and retries.
    wiring.socket.connect().catch(() => undefined);
  }

  private create(settings: Readonly<RuntimeSettings>): ComfyWiring {
    try {
      mkdirSync(this.config.comfy.imageDir, { recursive: true });
    } catch (error) {
      this.logger.error(
        { err: error, dir: this.config.comfy.imageDir },
        'Cannot create the ComfyUI image dir',
      );
    }
    const timeoutMs = settings.comfy_timeout * 1000;
    const baseUrl = settings.comfy_api_url;
    const client = createComfyClient({ baseUrl, timeoutMs, clientId: this.clientId });
    const probe = createComfyClient({ baseUrl, timeoutMs, maxRetries: 0, clientId: this.clientId });
    const socket = client.socket({
      reconnect: {
        baseDelayMs: settings.comfy_reconnect_base_delay_s * 1000,
        maxDelayMs: settings.comfy_reconnect_max_delay_s * 1000,
        maxAttempts: settings.comfy_reconnect_max_attempts,
      },
      connectTimeoutMs: timeoutMs,
    });
    this.generation += 1;
    return {
      generation: this.generation,
      baseUrl,
      timeoutMs,
      client,
      probe,
      socket,
      view: new ViewUpstream(baseUrl, timeoutMs),
      viewCache: new ViewCache(this.config.comfyTuning.viewCacheMb * 1024 * 1024),
      settingsKey: settingsKey(settings),
    };
  }
}

function settingsKey(settings: Readonly<RuntimeSettings>): string {
  return [
    settings.comfy_api_url,
    settings.comfy_timeout,
    settings.comfy_reconnect_max_attempts,
    settings.comfy_reconnect_base_delay_s,
    settings.comfy_reconnect_max_delay_s,
  ].join('|');
}

function sameTarget(wiring: ComfyWiring, settings: Readonly<RuntimeSettings>): boolean {
  return wiring.settingsKey === settingsKey(settings);
}
