import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { rateLimitedError, RateLimits, retryAfterS, type Limiter } from '../common/rate-limits.js';

/** An admitted sign-in attempt, counted as a failure until `succeeded` says otherwise. */
export interface LoginAttempt {
  readonly ip: string;
  readonly account: string;
}

/** How long an admitted attempt may stay unsettled before its reservation lapses (a crashed replica's). */
const pendingLeaseS = 300;

/**
 * Two limits on sign-in attempts, both decided before the password is verified, so parallel requests
 * cannot all reach argon2 (the attempt is reserved as a failure, then given back on success):
 * - per client IP (`request.ip`: honours X-Forwarded-For only under ATELIER_TRUST_PROXY): at most
 *   `loginMaxFailures` failures in a window of `loginWindowS` opened by the first one. Only failures
 *   count, so people behind one address who sign in correctly are never locked out; a success does not
 *   reset the count.
 * - per account (the username as typed, case-insensitively, whether or not it exists): after
 *   `loginAccountMaxFailures` failures from any address, each further attempt waits 1 s, then 2 s,
 *   4 s… up to `loginAccountMaxDelayS`, one attempt at a time. The delay is bounded, and the right
 *   password after it signs in (and resets the count), so an attacker cannot lock the owner out for good.
 * The counts live in RateLimits' limiters (`login-*`), so in scale-out mode every replica sees them.
 * (A plain request limiter such as @nestjs/throttler counts every request, which is not this rule.)
 */
@Injectable()
export class LoginThrottle {
  /** Per IP: reservations (attempts in flight) plus failures in the window. */
  private readonly perIp: Limiter;
  /** Per IP: the reservations alone, to tell a refusal whether failures or attempts in flight fill it. */
  private readonly ipPending: Limiter;
  /** Per account: failures since the last success, forgotten after twice the longest delay without one. */
  private readonly failures: Limiter;
  /** Per account: attempts admitted and not settled yet. */
  private readonly pending: Limiter;
  /** Per account: blocked while the growing delay runs. */
  private readonly delay: Limiter;

  constructor(
    private readonly config: AppConfig,
    limits: RateLimits,
  ) {
    const auth = config.auth;
    this.perIp = limits.limiter('login-ip', { points: auth.loginMaxFailures, durationS: auth.loginWindowS });
    this.failures = limits.limiter('login-account-failures', {
      points: auth.loginAccountMaxFailures,
      durationS: 2 * auth.loginAccountMaxDelayS,
    });
    this.ipPending = limits.limiter('login-ip-pending', {
      points: auth.loginMaxFailures,
      durationS: pendingLeaseS,
    });
    this.pending = limits.limiter('login-account-pending', { points: 1, durationS: pendingLeaseS });
    this.delay = limits.limiter('login-account-delay', { points: 1, durationS: auth.loginAccountMaxDelayS });
  }

  /**
   * Runs `check` (a password verification) as one attempt: admitted by `begin` (else 429), pending while
   * it waits for the hasher and runs, then a success if it returns something truthy and a failure if
   * not or if it throws. When no password was tried (the hasher answered `auth.busy`, or `signal`
   * aborted while the attempt waited in line) it counts neither way.
   */
  async verify<T>(ip: string, username: string, check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const attempt = await this.begin(ip, username);
    let outcome: 'succeeded' | 'failed' | 'abandoned' = 'failed';
    try {
      const result = await check();
      if (result) outcome = 'succeeded';
      return result;
    } catch (error) {
      if ((error instanceof AppError && error.code === 'auth.busy') || signal?.aborted) outcome = 'abandoned';
      throw error;
    } finally {
      // Settled before the answer goes out: the next attempt already sees this one's outcome.
      await this[outcome](attempt);
    }
  }

  /** Admits an attempt (reserving it as a failure of the IP and a pending one of the account) or throws 429. */
  private async begin(ip: string, username: string): Promise<LoginAttempt> {
    const account = username.toLowerCase();
    const byIp = await this.perIp.take(ip);
    if (!byIp.ok)
      throw rateLimitedError('Too many failed sign-ins', await this.ipWaitS(ip, byIp.retryAfterS));
    try {
      await this.admitAccount(account);
    } catch (error) {
      await this.perIp.giveBack(ip);
      throw error;
    }
    await this.ipPending.add(ip);
    return { ip, account };
  }

  /** Full of settled failures: until the window ends; else attempts in flight fill it: shortly. */
  private async ipWaitS(ip: string, windowS: number): Promise<number> {
    const failures = (await this.perIp.count(ip)) - (await this.ipPending.count(ip));
    return failures >= this.config.auth.loginMaxFailures ? windowS : 1;
  }

  /**
   * Within the free failures (settled plus pending), any attempt; past them one at a time, each after
   * the delay. The reads follow `failed`'s writes in reverse (pending, then delay, then failures): an
   * attempt that no longer sees a settled one pending also sees the delay that failure set.
   */
  private async admitAccount(account: string): Promise<void> {
    const pending = await this.pending.add(account);
    const waitMs = await this.delay.blockedMs(account);
    const failures = await this.failures.count(account);
    if (failures + pending <= this.config.auth.loginAccountMaxFailures) return;
    if (waitMs === 0 && pending === 1) return;
    await this.pending.giveBack(account);
    throw rateLimitedError('Too many failed sign-ins for this account', waitMs > 0 ? retryAfterS(waitMs) : 1);
  }

  /** The attempt failed: the IP keeps its reservation as a failure; the account counts one and waits longer. */
  private async failed(attempt: LoginAttempt): Promise<void> {
    const { loginAccountMaxFailures, loginAccountMaxDelayS } = this.config.auth;
    const failures = await this.failures.add(attempt.account);
    const over = failures - loginAccountMaxFailures;
    if (over >= 0) {
      // Past the free failures attempts come one at a time, so this write races none: it restarts the
      // forget window from this failure.
      await this.failures.set(attempt.account, failures);
      await this.delay.block(attempt.account, Math.min(loginAccountMaxDelayS, 2 ** Math.min(over, 30)));
    }
    await this.pending.giveBack(attempt.account);
    await this.ipPending.giveBack(attempt.ip);
  }

  /** The attempt succeeded: it was no failure after all, and the account starts afresh. */
  private async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.perIp.giveBack(attempt.ip);
    await this.ipPending.giveBack(attempt.ip);
    await this.failures.reset(attempt.account);
    await this.delay.reset(attempt.account);
    await this.pending.giveBack(attempt.account);
  }

  /** The attempt never reached verification: no password was tried. */
  private async abandoned(attempt: LoginAttempt): Promise<void> {
    await this.perIp.giveBack(attempt.ip);
    await this.ipPending.giveBack(attempt.ip);
    await this.pending.giveBack(attempt.account);
  }
}
