import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { WorkQueue, WorkQueueFullError } from '../common/work-queue.js';
import { AppConfig } from '../config/app-config.js';

/** At most one "shedding sign-ins" warning per this long. */
const warnEveryMs = 10_000;

/**
 * Argon2id with the library defaults (19 MiB, 2 passes: the OWASP baseline). `verifyOrWaste`
 * checks against a dummy hash when there is no real one, so a login takes the same time
 * whether or not the user exists.
 *
 * Every hash and verification waits its turn in one queue (`auth.passwordHash`): by default one
 * fewer at once than there are cores, so a storm of sign-ins leaves the event loop, a core and
 * libuv's pool (file reads, thumbnails) to everyone else. When the line is too long the caller gets
 * 503 `auth.busy` with Retry-After at once; an attempt whose `signal` aborts while waiting never runs.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly queue: WorkQueue;
  private dummyHash: string | undefined;
  private shed = 0;
  private lastWarnAt = 0;

  constructor(config: AppConfig) {
    const { concurrency, maxQueued, maxWaitS } = config.auth.passwordHash;
    this.queue = new WorkQueue({ concurrency, maxQueued, maxWaitMs: maxWaitS * 1000 });
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('base64url'));
  }

  /** Hashes running and waiting now (tests, diagnostics). */
  get load(): { running: number; queued: number } {
    return { running: this.queue.running, queued: this.queue.queued };
  }

  /**
   * Answers 503 auth.busy now when a hash asked for now would be refused: for a caller with a query to run
   * first (a sign-in's user lookup, a network round trip on Postgres) while it holds a throttle reservation.
   */
  assertRoom(): void {
    try {
      this.queue.assertRoom();
    } catch (error) {
      throw this.busy(error);
    }
  }

  hash(password: string, signal?: AbortSignal): Promise<string> {
    return this.inTurn(() => hash(password), signal);
  }

  /** True only when a real hash was given and it matches. */
  async verifyOrWaste(passwordHash: string | null, password: string, signal?: AbortSignal): Promise<boolean> {
    const target =
      passwordHash ?? this.dummyHash ?? (this.dummyHash = await this.hash('atelier-dummy-password', signal));
    return this.inTurn(async () => {
      try {
        const matches = await verify(target, password);
        return passwordHash !== null && matches;
      } catch {
        // A corrupt stored hash must fail the login, not the request.
        return false;
      }
    }, signal);
  }

  private async inTurn<T>(task: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      return await this.queue.run(task, signal);
    } catch (error) {
      throw this.busy(error);
    }
  }

  /** A full queue's refusal as 503 auth.busy; any other error as it is. */
  private busy(error: unknown): unknown {
    if (!(error instanceof WorkQueueFullError)) return error;
    this.warnShedding();
    const retryAfterS = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return new AppError(
      'auth.busy',
      `The server is busy checking other passwords; try again in ${retryAfterS} s`,
      { retry_after_s: retryAfterS },
      { 'Retry-After': String(retryAfterS) },
    );
  }

  private warnShedding(): void {
    this.shed += 1;
    const now = Date.now();
    if (now - this.lastWarnAt < warnEveryMs) return;
    this.logger.warn(
      { shed: this.shed, ...this.load },
      'Password hashing is saturated: answering 503 auth.busy',
    );
    this.lastWarnAt = now;
    this.shed = 0;
  }
}
