import type { ComfyPrompt } from '@atelier/comfy-client';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LeaderLease } from '../../cluster/leader-lease.js';
import { loadWarmupPrompt, runWarmup } from '../../comfy-managed/warmup.js';
import { AppConfig } from '../../config/app-config.js';
import { RuntimeConfig } from '../../config/runtime-config.service.js';
import { ComfyPool } from './comfy-pool.js';

/** How long a warm-up may take when managed mode does not say (a cold SDXL load can take a minute). */
const defaultWarmupTimeoutS = 300;

/**
 * The warm-up workflow (COMFY_MANAGED_TEST_PAYLOAD, or a model-free 8×8 graph) on every backend's (re)connect,
 * before it takes jobs: the first real job then does not pay for a cold start, and a server that cannot run
 * even that is found out at once (logged; ComfyUI's own validation still answers for jobs). Off with
 * `comfy_warmup_on_connect`. The managed server's first connect is skipped: managed mode warmed it before it
 * handed over its URL.
 */
@Injectable()
export class WarmupOnConnect implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WarmupOnConnect.name);
  private prompt: Promise<ComfyPrompt> | null = null;
  /** The managed server's wiring generation that managed mode warmed already. */
  private warmedByManaged: number | null = null;

  constructor(
    private readonly pool: ComfyPool,
    private readonly runtime: RuntimeConfig,
    private readonly config: AppConfig,
    private readonly lease: LeaderLease,
  ) {}

  onModuleInit(): void {
    this.pool.useReadinessCheck(async (backend, wiring, signal) => {
      // Once per cluster: only the leader posts (followers' sockets reconnect too).
      if (!this.runtime.get().comfy_warmup_on_connect || !this.lease.isLeader) return;
      if (this.config.comfyManaged && backend.spec.isDefault && backend.spec.url === null) {
        // Managed mode ran it before wiring this generation; a later reconnect (a restart it did not see) warms again.
        if (this.warmedByManaged === null || this.warmedByManaged === wiring.generation) {
          this.warmedByManaged = wiring.generation;
          return;
        }
      }
      const timeoutS = this.config.comfyManaged?.warmupTimeoutS ?? defaultWarmupTimeoutS;
      const started = Date.now();
      await runWarmup(
        wiring.baseUrl,
        await this.warmupPrompt(),
        AbortSignal.any([signal, AbortSignal.timeout(timeoutS * 1000)]),
      );
      this.logger.log({ backendId: backend.id, ms: Date.now() - started }, 'ComfyUI backend warmed up');
    });
  }

  onModuleDestroy(): void {
    this.pool.useReadinessCheck(null);
  }

  private warmupPrompt(): Promise<ComfyPrompt> {
    this.prompt ??= loadWarmupPrompt(this.config.comfyManaged?.testPayloadPath ?? null);
    return this.prompt;
  }
}
