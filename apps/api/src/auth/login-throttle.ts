import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';

/**
 * Failed logins per client IP in a sliding window. Only failures count, so people behind one
 * address who sign in correctly are never locked out; a success does not reset the count, so an
 * attacker cannot clear it by signing into an account of their own.
 * (@nestjs/throttler counts every request, which is not this rule.)
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly config: AppConfig) {}

  /** Throws 429 `rate_limited` with Retry-After while the IP is over its budget. */
  assertAllowed(ip: string, now = Date.now()): void {
    const recent = this.recent(ip, now);
    const { loginMaxFailures, loginWindowS } = this.config.auth;
    if (recent.length < loginMaxFailures) return;
    const oldest = recent[recent.length - loginMaxFailures] ?? now;
    const retryAfterS = Math.max(1, Math.ceil((oldest + loginWindowS * 1000 - now) / 1000));
    throw new AppError(
      'rate_limited',
      `Too many failed sign-ins; try again in ${retryAfterS} s`,
      { retry_after_s: retryAfterS },
      { 'Retry-After': String(retryAfterS) },
    );
  }

  recordFailure(ip: string, now = Date.now()): void {
    const recent = this.recent(ip, now);
    recent.push(now);
    // Only the newest `max` timestamps matter for the decision.
    this.failures.set(ip, recent.slice(-this.config.auth.loginMaxFailures));
    if (this.failures.size > 10_000) this.sweep(now);
  }

  private recent(ip: string, now: number): number[] {
    const since = now - this.config.auth.loginWindowS * 1000;
    const recent = (this.failures.get(ip) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.failures.delete(ip);
    return recent;
  }

  /** Bounds memory under a spray from many addresses. */
  private sweep(now: number): void {
    for (const ip of [...this.failures.keys()]) this.recent(ip, now);
  }
}
