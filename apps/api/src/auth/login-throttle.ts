import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';

/** An admitted sign-in attempt, counted as a failure until `succeeded` says otherwise. */
export interface LoginAttempt {
  readonly ip: string;
  readonly account: string;
}

interface AccountState {
  /** Failed attempts since the last success. */
  failures: number;
  /** Attempts admitted and not settled yet. */
  pending: number;
  /** No attempt is admitted before this (epoch ms). */
  lockedUntil: number;
  lastFailureAt: number;
}

const baseAccountDelayMs = 1000;
const maxTrackedKeys = 10_000;

/**
 * Two limits on sign-in attempts, both decided before the password is verified, so parallel requests
 * cannot all reach argon2 (the attempt is reserved as a failure, then released on success):
 * - per client IP (`request.ip`: honours X-Forwarded-For only under ATELIER_TRUST_PROXY): at most
 *   `loginMaxFailures` failures in a sliding window. Only failures count, so people behind one
 *   address who sign in correctly are never locked out; a success does not reset the count.
 * - per account (the username as typed, case-insensitively, whether or not it exists): after
 *   `loginAccountMaxFailures` failures from any address, each further attempt waits 1 s, then 2 s,
 *   4 s… up to `loginAccountMaxDelayS`, one attempt at a time. The delay is bounded, and the right
 *   password after it signs in (and resets the count), so an attacker cannot lock the owner out for good.
 * (@nestjs/throttler counts every request, which is not this rule.)
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  /** Attempts per IP admitted and not settled yet: they count as failures until they succeed. */
  private readonly pendingByIp = new Map<string, number>();
  private readonly accounts = new Map<string, AccountState>();

  constructor(private readonly config: AppConfig) {}

  /** Admits an attempt (counting it as a failure for now) or throws 429 `rate_limited` with Retry-After. */
  private begin(ip: string, username: string, now = Date.now()): LoginAttempt {
    const account = username.toLowerCase();
    this.assertIpAllowed(ip, now);
    const state = this.accountState(account, now);
    const waitMs = this.accountWaitMs(state, now);
    if (waitMs > 0) throw rateLimited(waitMs, 'Too many failed sign-ins for this account');
    // Reserve both counts before the caller awaits anything.
    this.pendingByIp.set(ip, (this.pendingByIp.get(ip) ?? 0) + 1);
    state.pending += 1;
    this.accounts.set(account, state);
    if (this.failures.size > maxTrackedKeys || this.accounts.size > maxTrackedKeys) this.sweep(now);
    return { ip, account };
  }

  /** The attempt failed: the IP and the account count one more failure; the account waits longer. */
  private failed(attempt: LoginAttempt, now = Date.now()): void {
    this.settle(attempt.ip);
    this.failures.set(
      attempt.ip,
      [...this.recent(attempt.ip, now), now].slice(-this.config.auth.loginMaxFailures),
    );
    const state = this.accounts.get(attempt.account) ?? emptyState();
    state.pending = Math.max(0, state.pending - 1);
    state.failures += 1;
    state.lastFailureAt = now;
    const { loginAccountMaxFailures, loginAccountMaxDelayS } = this.config.auth;
    const over = state.failures - loginAccountMaxFailures;
    if (over >= 0) {
      const delayMs = Math.min(loginAccountMaxDelayS * 1000, baseAccountDelayMs * 2 ** Math.min(over, 30));
      state.lockedUntil = Math.max(state.lockedUntil, now + delayMs);
    }
    this.accounts.set(attempt.account, state);
  }

  /** The attempt succeeded: it was no failure after all, and the account starts afresh. */
  private succeeded(attempt: LoginAttempt): void {
    this.settle(attempt.ip);
    this.accounts.delete(attempt.account);
  }

  /**
   * Runs `check` (a password verification) as one attempt: admitted by `begin` (else 429), pending while
   * it waits for the hasher and runs, then a success if it returns something truthy and a failure if
   * not or if it throws. When no password was tried (the hasher answered `auth.busy`, or `signal`
   * aborted while the attempt waited in line) it counts neither way.
   */
  async verify<T>(ip: string, username: string, check: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const attempt = this.begin(ip, username);
    let outcome: 'succeeded' | 'failed' | 'abandoned' = 'failed';
    try {
      const result = await check();
      if (result) outcome = 'succeeded';
      return result;
    } catch (error) {
      if ((error instanceof AppError && error.code === 'auth.busy') || signal?.aborted) outcome = 'abandoned';
      throw error;
    } finally {
      this[outcome](attempt);
    }
  }

  /** The attempt never reached verification: no password was tried. */
  private abandoned(attempt: LoginAttempt): void {
    this.settle(attempt.ip);
    const state = this.accounts.get(attempt.account);
    if (state) state.pending = Math.max(0, state.pending - 1);
  }

  private settle(ip: string): void {
    const pending = (this.pendingByIp.get(ip) ?? 1) - 1;
    if (pending > 0) this.pendingByIp.set(ip, pending);
    else this.pendingByIp.delete(ip);
  }

  private assertIpAllowed(ip: string, now: number): void {
    const recent = this.recent(ip, now);
    const { loginMaxFailures, loginWindowS } = this.config.auth;
    if (recent.length + (this.pendingByIp.get(ip) ?? 0) < loginMaxFailures) return;
    // Full of settled failures: until the oldest leaves the window; else attempts in flight: shortly.
    const oldest = recent.length >= loginMaxFailures ? recent[recent.length - loginMaxFailures] : undefined;
    const waitMs = oldest === undefined ? 1000 : oldest + loginWindowS * 1000 - now;
    throw rateLimited(waitMs, 'Too many failed sign-ins');
  }

  /** Milliseconds before this account admits another attempt (0: now). */
  private accountWaitMs(state: AccountState, now: number): number {
    if (state.failures + state.pending < this.config.auth.loginAccountMaxFailures) return 0;
    // Past the free failures, one attempt at a time, each after the delay.
    if (now < state.lockedUntil) return state.lockedUntil - now;
    return state.pending > 0 ? baseAccountDelayMs : 0;
  }

  private accountState(account: string, now: number): AccountState {
    const state = this.accounts.get(account);
    if (!state) return emptyState();
    // Forgotten once the longest delay has passed twice over without a failure or an attempt in flight.
    const forgetAfterMs = 2 * this.config.auth.loginAccountMaxDelayS * 1000;
    if (state.pending === 0 && now > state.lockedUntil && now - state.lastFailureAt > forgetAfterMs) {
      this.accounts.delete(account);
      return emptyState();
    }
    return state;
  }

  private recent(ip: string, now: number): number[] {
    const since = now - this.config.auth.loginWindowS * 1000;
    const recent = (this.failures.get(ip) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(ip);
    else this.failures.set(ip, recent.slice(-this.config.auth.loginMaxFailures));
    return recent.slice(-this.config.auth.loginMaxFailures);
  }

  /** Bounds memory under a spray from many addresses or usernames. */
  private sweep(now: number): void {
    for (const ip of [...this.failures.keys()]) this.recent(ip, now);
    for (const account of [...this.accounts.keys()]) this.accountState(account, now);
  }
}

function emptyState(): AccountState {
  return { failures: 0, pending: 0, lockedUntil: 0, lastFailureAt: 0 };
}

function rateLimited(waitMs: number, reason: string): AppError {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError(
    'rate_limited',
    `${reason}; try again in ${retryAfterS} s`,
    { retry_after_s: retryAfterS },
    { 'Retry-After': String(retryAfterS) },
  );
}
