import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { assertAllowed, RateLimits, type Limiter } from '../common/rate-limits.js';

/** Per-user limits of the routes that cost ComfyUI work: image views and object_info refreshes. */
@Injectable()
export class ComfyRateLimits {
  private readonly views: Limiter | null;
  private readonly refreshes: Limiter | null;

  constructor(config: AppConfig, limits: RateLimits) {
    const tuning = config.comfyTuning;
    const views = RateLimits.fromRate(tuning.viewRatePerS, tuning.viewBurst);
    this.views = views && limits.limiter('comfy-view', views);
    // One refresh per interval (0: unlimited).
    const interval = tuning.objectInfoRefreshIntervalS;
    const refreshes = interval > 0 ? RateLimits.fromRate(1 / interval, 1) : null;
    this.refreshes = refreshes && limits.limiter('comfy-object-info-refresh', refreshes);
  }

  /** 429 `rate_limited` with Retry-After when the user is over the view budget. */
  async assertView(userId: number): Promise<void> {
    if (this.views) assertAllowed(await this.views.take(String(userId)), 'Too many image requests');
  }

  async assertObjectInfoRefresh(userId: number): Promise<void> {
    if (this.refreshes)
      assertAllowed(await this.refreshes.take(String(userId)), 'object_info was refreshed moments ago');
  }
}
