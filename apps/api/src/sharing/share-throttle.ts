import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { TokenBuckets } from '../common/token-buckets.js';

export interface ShareRateLimits {
  /** Every public share request, per client IP: a page of thumbnails comes at once. */
  perIp: { ratePerS: number; burst: number };
  /** Password attempts per link, whoever makes them. */
  unlockPerShare: { ratePerS: number; burst: number };
}

/** Injection token; tests give smaller numbers. */
export const SHARE_RATE_LIMITS = Symbol('SHARE_RATE_LIMITS');

export const defaultShareRateLimits: ShareRateLimits = {
  perIp: { ratePerS: 20, burst: 300 },
  unlockPerShare: { ratePerS: 1 / 10, burst: 10 },
};

/** 429 `rate_limited` with Retry-After for public share traffic over its budget. */
@Injectable()
export class ShareThrottle {
  private readonly perIp: TokenBuckets;
  private readonly unlocks: TokenBuckets;

  constructor(@Inject(SHARE_RATE_LIMITS) limits: ShareRateLimits) {
    this.perIp = new TokenBuckets(limits.perIp.ratePerS, limits.perIp.burst);
    this.unlocks = new TokenBuckets(limits.unlockPerShare.ratePerS, limits.unlockPerShare.burst);
  }

  assertRequest(ip: string): void {
    check(this.perIp.take(ip), 'Too many requests for shared images');
  }

  assertUnlock(tokenHash: string): void {
    check(this.unlocks.take(tokenHash), 'Too many password attempts for this link');
  }
}

function check(result: ReturnType<TokenBuckets['take']>, what: string): void {
  if (result.ok) return;
  throw new AppError(
    'rate_limited',
    `${what}; try again in ${result.retryAfterS} s`,
    { retry_after_s: result.retryAfterS },
    { 'Retry-After': String(result.retryAfterS) },
  );
}
