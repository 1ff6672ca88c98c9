import type { AuthUser, MyUsageResponse } from '@atelier/contract';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { UsageService } from '../usage/usage.service.js';
import { addDays, nextUtcMidnight, utcDay } from '../usage/utc-day.js';
import { RoleLimitsService } from './role-limits.service.js';

/** Every user's own usage against their role's quota (here, not in usage/: it needs both features). */
@ApiTags('me')
@Controller('me/usage')
export class MyUsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly limits: RoleLimitsService,
  ) {}

  @Get()
  @Scopes('jobs:read')
  @ApiOperation({ summary: "Your GPU-seconds today and over the last 30 days, against your role's quota" })
  async mine(@CurrentUser() user: AuthUser): Promise<MyUsageResponse> {
    const now = new Date();
    const today = utcDay(now);
    const days = await this.usage.daysOf(user.id, { from: addDays(today, -29), to: today });
    const limits = { ...this.limits.forRole(user.role) };
    const quota = limits.gpu_seconds_per_day;
    // The in-memory tally is what the quota check uses; the stored rows may lag it by a write.
    const used = this.usage.usedTodayS(user.id);
    const stored = days.at(-1) ?? { day: today, jobs: 0, gpu_seconds: 0 };
    const todayUsage = { ...stored, gpu_seconds: Math.max(stored.gpu_seconds, round(used)) };
    return {
      role: user.role,
      today: todayUsage,
      quota_gpu_seconds: quota,
      remaining_gpu_seconds: quota === null ? null : Math.max(0, round(quota - todayUsage.gpu_seconds)),
      held: quota !== null && todayUsage.gpu_seconds >= quota,
      resets_at: nextUtcMidnight(now).toISOString(),
      last_30_days: [...days.slice(0, -1), todayUsage],
      limits,
    };
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
