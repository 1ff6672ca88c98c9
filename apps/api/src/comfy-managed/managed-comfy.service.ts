import type { ComfyPrompt } from '@atelier/comfy-client';
import type { ManagedComfyStatus } from '@atelier/contract';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../config/app-config.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { EventBus } from '../events/event-bus.js';
import { AppError } from '../common/app-error.js';
import { findFreePort } from './free-port.js';
import { argsWithPort, connectHostOf, urlOf } from './managed-command.js';
import { ManagedState } from './managed-state.js';
import { describeExit, ManagedProcess, type ProcessExit } from './process-supervisor.js';
import { loadWarmupPrompt, messageOf, runWarmup, waitUntilAnswering } from './warmup.js';

type ManagedSettings = NonNullable<AppConfig['comfyManaged']>;
type AttemptOutcome = { ok: true; process: ManagedProcess } | { ok: false; reason: string; lines: string[] };

const maxBackoffS = 30;

/**
 * Managed mode: runs ComfyUI (COMFY_MANAGED_COMMAND) as a child process and keeps it healthy.
 * `uninit → initializing → ready | error → killed`: each start attempt picks a free port, waits until
 * ComfyUI answers, runs the warm-up workflow, and only then is `ready`; failed attempts are retried with
 * exponential backoff. A death while ready restarts it. When ready, RuntimeConfig serves its URL (source
 * `managed`), so whoever follows `comfy_api_url` rewires as after an admin change.
 */
@Injectable()
export class ManagedComfyService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ManagedComfy');
  private readonly childLogger = new Logger('ComfyUI');
  private readonly state = new ManagedState(
    (status) => void this.bus.publish('comfy.managed_status', status),
  );
  private process: ManagedProcess | null = null;
  private series: AbortController | null = null;
  private seriesDone: Promise<void> = Promise.resolve();
  /** Serialises restarts and shutdown so two of them never run a series each. */
  private control: Promise<unknown> = Promise.resolve();
  private readyAt = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfig,
    private readonly bus: EventBus,
  ) {}

  get isEnabled(): boolean {
    return this.config.comfyManaged !== null;
  }

  /** The managed server's URL while it is ready, else null. */
  get url(): string | null {
    return this.state.state === 'ready' ? this.state.status.url : null;
  }

  /** Null when managed mode is off. `last_log_lines` are live while a process runs. */
  status(): ManagedComfyStatus | null {
    if (!this.isEnabled) return null;
    const status = this.state.status;
    return { ...status, last_log_lines: this.process?.lastLines ?? [...status.last_log_lines] };
  }

  onApplicationBootstrap(): void {
    if (!this.config.comfyManaged) return;
    // The integration is on while managed; the URL follows once the server is ready.
    this.runtime.setManagedOverride({ comfy_enabled: true });
    this.startSeries(1, 0);
  }

  /** Stops the running process (if any) and starts a fresh series of attempts. Does not wait for ready. */
  restart(): Promise<ManagedComfyStatus> {
    const next = this.control.then(async () => {
      if (!this.isEnabled) {
        throw new AppError(
          'conflict',
          'Managed mode is off: set COMFY_MANAGED_COMMAND to let Atelier run ComfyUI',
        );
      }
      if (this.state.state === 'killed') throw new AppError('conflict', 'Atelier is shutting down');
      this.logger.log('Restart requested');
      await this.cancel();
      const previous = this.state.status;
      this.state.transition('initializing', { pid: null, attempt: 1, restarts: previous.restarts + 1 });
      this.startSeries(1, 0);
      return this.status() ?? previous;
    });
    this.control = next.catch(() => undefined);
    return next;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const next = this.control.then(async () => {
      if (!this.isEnabled || this.state.state === 'killed') return;
      await this.cancel();
      this.state.transition('killed', { pid: null });
      this.logger.log('Stopped ComfyUI');
    });
    this.control = next.catch(() => undefined);
    await next;
  }

  private get settings(): ManagedSettings {
    const settings = this.config.comfyManaged;
    if (!settings) throw new Error('Managed mode is off');
    return settings;
  }

  /** Aborts the running series and stops the process: SIGTERM, then SIGKILL after the grace period. */
  private async cancel(): Promise<void> {
    this.series?.abort();
    const running = this.process;
    await Promise.all([this.seriesDone, running?.stop(this.settings.stopGraceS * 1000)]);
    if (running) this.state.update({ last_log_lines: running.lastLines });
    this.process = null;
  }

  private startSeries(firstAttempt: number, delayMs: number): void {
    const controller = new AbortController();
    this.series = controller;
    this.seriesDone = this.runSeries(firstAttempt, delayMs, controller.signal).catch((error: unknown) => {
      this.logger.error({ err: error }, 'The ComfyUI supervisor failed');
      if (!controller.signal.aborted)
        this.state.transition('error', { pid: null, last_error: messageOf(error) });
    });
  }

  private async runSeries(firstAttempt: number, delayMs: number, signal: AbortSignal): Promise<void> {
    const settings = this.settings;
    if (delayMs > 0 && !(await sleep(delayMs, signal))) return;
    if (signal.aborted) return;
    this.state.transition('initializing', { attempt: firstAttempt, pid: null, started_at: null });
    let prompt: ComfyPrompt;
    try {
      prompt = await loadWarmupPrompt(settings.testPayloadPath);
    } catch (error) {
      // Retrying cannot fix the file.
      if (!signal.aborted) this.state.transition('error', { pid: null, last_error: messageOf(error) });
      return;
    }

    for (let attempt = firstAttempt; attempt <= settings.startAttempts; attempt++) {
      if (signal.aborted) return;
      this.state.transition('initializing', { attempt, pid: null, started_at: null });
      const outcome = await this.tryStart(prompt, signal);
      if (signal.aborted) return;
      if (outcome.ok) {
        this.becomeReady(outcome.process, attempt, signal);
        return;
      }
      this.logger.warn(
        { lastLines: outcome.lines.slice(-10) },
        `ComfyUI start attempt ${attempt}/${settings.startAttempts} failed: ${outcome.reason}`,
      );
      this.state.update({ pid: null, last_error: outcome.reason, last_log_lines: outcome.lines });
      if (attempt < settings.startAttempts && !(await sleep(this.backoffMs(attempt), signal))) return;
    }
    const reason = this.state.status.last_error ?? 'unknown reason';
    const lastError = `ComfyUI did not start after ${settings.startAttempts} attempt(s); last: ${reason}`;
    this.logger.error(lastError);
    this.state.transition('error', { pid: null, last_error: lastError });
  }

  /** One attempt: free port, spawn, wait until it answers, warm up. The process is stopped on failure. */
  private async tryStart(prompt: ComfyPrompt, signal: AbortSignal): Promise<AttemptOutcome> {
    const settings = this.settings;
    const [program = '', ...args] = settings.command;
    const host = connectHostOf(args);
    const cwdProblem = await stat(settings.cwd).then(
      (stats) => (stats.isDirectory() ? null : `COMFY_MANAGED_CWD ${settings.cwd} is not a directory`),
      () => `COMFY_MANAGED_CWD ${settings.cwd} does not exist`,
    );
    if (cwdProblem) return { ok: false, reason: cwdProblem, lines: [] };
    let port: number;
    try {
      port = await findFreePort(settings.initialPort, host);
    } catch (error) {
      return { ok: false, reason: messageOf(error), lines: [] };
    }
    const url = urlOf(host, port);

    const child = ManagedProcess.spawn([program, ...argsWithPort(args, port)], {
      cwd: settings.cwd,
      onLine: (line) => this.childLogger.debug(line),
    });
    this.process = child;
    this.state.update({ port, url, pid: child.pid, started_at: child.startedAt.toISOString() });
    this.logger.log(`Starting ComfyUI on ${url} (pid ${child.pid ?? '?'})`);
    const died = child.exited.then((exit) => `ComfyUI ${describeExit(exit)}`);

    const fail = async (reason: string): Promise<AttemptOutcome> => {
      await child.stop(settings.stopGraceS * 1000);
      if (this.process === child) this.process = null;
      return { ok: false, reason, lines: child.lastLines };
    };

    const readyDeadline = AbortSignal.timeout(settings.readyTimeoutS * 1000);
    try {
      await waitUntilAnswering(url, { signal: AbortSignal.any([signal, readyDeadline]), giveUp: died });
    } catch (error) {
      if (readyDeadline.aborted && !signal.aborted) {
        return fail(`ComfyUI did not answer on ${url} within ${settings.readyTimeoutS} s`);
      }
      return fail(messageOf(error));
    }

    const warmupDeadline = AbortSignal.timeout(settings.warmupTimeoutS * 1000);
    const warmupAbort = new AbortController();
    try {
      await Promise.race([
        runWarmup(url, prompt, AbortSignal.any([signal, warmupDeadline, warmupAbort.signal])),
        died.then((reason) => Promise.reject(new Error(`${reason} during the warm-up`))),
      ]);
    } catch (error) {
      if (warmupDeadline.aborted && !signal.aborted) {
        return fail(`the warm-up workflow did not finish within ${settings.warmupTimeoutS} s`);
      }
      return fail(messageOf(error));
    } finally {
      warmupAbort.abort();
    }
    return { ok: true, process: child };
  }

  private becomeReady(child: ManagedProcess, attempt: number, signal: AbortSignal): void {
    this.readyAt = Date.now();
    this.state.transition('ready', {
      attempt,
      pid: child.pid,
      last_error: null,
      last_log_lines: child.lastLines,
    });
    const url = this.state.status.url;
    this.logger.log(`ComfyUI is ready on ${url ?? '?'} (pid ${child.pid ?? '?'}, attempt ${attempt})`);
    if (url) this.runtime.setManagedOverride({ comfy_enabled: true, comfy_api_url: url });
    void child.exited.then((exit) => this.onDeath(child, exit, attempt, signal));
  }

  /** A death while ready: restart with backoff; attempts count on unless it had been ready for a while. */
  private onDeath(child: ManagedProcess, exit: ProcessExit, attempt: number, signal: AbortSignal): void {
    if (signal.aborted || this.process !== child) return;
    this.process = null;
    const settings = this.settings;
    const reason = `ComfyUI ${describeExit(exit)} while ready`;
    const wasStable = Date.now() - this.readyAt >= settings.stableAfterS * 1000;
    const next = wasStable ? 1 : attempt + 1;
    const lines = child.lastLines;
    const restarts = this.state.status.restarts + 1;
    this.logger.warn({ lastLines: lines.slice(-10) }, reason);
    // Whatever it had queued or was running is gone: no need to wait for it to come back to say so.
    void this.bus.publish('comfy.server_exited', { reason });
    if (next > settings.startAttempts) {
      const lastError = `${reason}; gave up after ${settings.startAttempts} attempt(s) in a row`;
      this.logger.error(lastError);
      this.state.transition('error', { pid: null, restarts, last_error: lastError, last_log_lines: lines });
      return;
    }
    this.state.transition('initializing', {
      pid: null,
      attempt: next,
      restarts,
      last_error: reason,
      last_log_lines: lines,
    });
    this.startSeries(next, this.backoffMs(next - 1));
  }

  /** Exponential from COMFY_MANAGED_START_SLEEP_S after `failures` failures in a row, capped at 30 s. */
  private backoffMs(failures: number): number {
    const seconds = this.settings.startSleepS * 2 ** Math.max(0, failures - 1);
    return Math.min(seconds, maxBackoffS) * 1000;
  }
}

/** False when aborted first. */
async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
