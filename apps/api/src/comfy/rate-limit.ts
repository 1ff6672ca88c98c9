import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { TokenBuckets } from '../common/token-buckets.js';

/** Per-user limits of the routes that cost ComfyUI work: image views and object_info refreshes. */
@Injectable()
export class ComfyRateLimits {
  private readonly views: TokenBuckets;
  private readonly refreshes: TokenBuckets;

  constructor(config: AppConfig) {
    const tuning = config.comfyTuning;
    this.views = new TokenBuckets(tuning.viewRatePerS, tuning.viewBurst);
    const interval = tuning.objectInfoRefreshIntervalS;
    this.refreshes = new TokenBuckets(interval > 0 ? 1 / interval : Number.POSITIVE_INFINITY, 1);
  }

  /** 429 `rate_limited` with Retry-After when the user is over the view budget. */
  assertView(userId: number): void {
    check(this.views.take(String(userId)), 'Too many image requests');
  }

  assertObjectInfoRefresh(userId: number): void {
    check(this.refreshes.take(String(userId)), 'object_info was refreshed moments ago');
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
