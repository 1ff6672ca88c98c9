import { Inject, Injectable } from '@nestjs/common';
import { assertAllowed, RateLimits, type Limiter } from '../common/rate-limits.js';

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
  private readonly perIp: Limiter | null;
  private readonly unlocks: Limiter | null;

  constructor(@Inject(SHARE_RATE_LIMITS) limits: ShareRateLimits, rateLimits: RateLimits) {
    const perIp = RateLimits.fromRate(limits.perIp.ratePerS, limits.perIp.burst);
    this.perIp = perIp && rateLimits.limiter('share-ip', perIp);
    const unlocks = RateLimits.fromRate(limits.unlockPerShare.ratePerS, limits.unlockPerShare.burst);
    this.unlocks = unlocks && rateLimits.limiter('share-unlock', unlocks);
  }

  async assertRequest(ip: string): Promise<void> {
    if (this.perIp) assertAllowed(await this.perIp.take(ip), 'Too many requests for shared images');
  }

  async assertUnlock(tokenHash: string): Promise<void> {
    if (this.unlocks)
      assertAllowed(await this.unlocks.take(tokenHash), 'Too many password attempts for this link');
  }
}
