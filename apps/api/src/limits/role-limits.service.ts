import {
  roleLimitNames,
  roles,
  unlimitedRoleLimits,
  type AuthUser,
  type CapErrorDetails,
  type Role,
  type RoleLimits,
  type RoleLimitsResponse,
  type RoleLimitsUpdate,
} from '@atelier/contract';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AdmissionRegistry, type QueueAdmission, type QueueShare } from '../comfy/queue-admission.js';
import type { EventActor } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { UsageService } from '../usage/usage.service.js';
import { secondsToUtcMidnight } from '../usage/utc-day.js';
import { RoleLimitsRepository, type RoleLimitsRow } from './role-limits.repository.js';

/**
 * Caps per role, admin-editable without a restart. As the queue's admission it refuses jobs beyond a
 * role's waiting cap (429 comfy.queue_full) or once its daily GPU-seconds are spent (429
 * comfy.quota_exceeded, Retry-After to UTC midnight), and gives the dispatcher each owner's share.
 * GraphPolicy reads the value limits (steps, pixels, batch size) from here. The rows are read once and
 * kept in memory: every submit and every dispatch round asks.
 */
@Injectable()
export class RoleLimitsService implements QueueAdmission, OnModuleInit {
  private rows = new Map<Role, RoleLimitsRow>();

  constructor(
    private readonly repository: RoleLimitsRepository,
    private readonly usage: UsageService,
    private readonly registry: AdmissionRegistry,
    private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    this.registry.use(this);
    // Scale-out: another replica changed a role's caps in the shared database (ours reload in update()).
    this.bus.subscribe('queue.limits_changed', (_, { local }) => (local ? undefined : this.reload()), {
      from: 'any-replica',
    });
  }

  forRole(role: Role): Readonly<RoleLimits> {
    return this.rows.get(role)?.limits ?? unlimitedRoleLimits;
  }

  view(role: Role): RoleLimitsResponse {
    const row = this.rows.get(role);
    return {
      role,
      limits: { ...this.forRole(role) },
      updated_at: row?.updatedAt?.toISOString() ?? null,
      updated_by: row?.updatedBy ?? null,
    };
  }

  list(): RoleLimitsResponse[] {
    return roles.map((role) => this.view(role));
  }

  /** Applies the fields given (validated by the DTO), then announces what moved for the audit log. */
  async update(role: Role, body: RoleLimitsUpdate, actor: EventActor): Promise<RoleLimitsResponse> {
    const before = this.forRole(role);
    const changes: Partial<RoleLimits> = {};
    const moved: Record<string, { from: number | null; to: number | null }> = {};
    for (const name of roleLimitNames) {
      const value = body[name];
      if (value === undefined || value === before[name]) continue;
      Object.assign(changes, { [name]: value });
      moved[name] = { from: before[name], to: value };
    }
    if (Object.keys(changes).length > 0) {
      await this.repository.update(role, changes, actor.id);
      await this.reload();
      await this.bus.publish('queue.limits_changed', { actor, role, changes: moved });
    }
    return this.view(role);
  }

  /** The spent quota first (nothing can be added today), then the waiting cap. */
  async assertMayEnqueue(owner: AuthUser, adding: number): Promise<void> {
    const limits = this.forRole(owner.role);
    const quota = limits.gpu_seconds_per_day;
    if (quota !== null) {
      const used = this.usage.usedTodayS(owner.id);
      if (used >= quota) {
        throw new AppError(
          'comfy.quota_exceeded',
          `Your role's ${quota} GPU-seconds for today are used up; the quota resets at midnight UTC`,
          { cap: 'gpu_seconds_per_day', limit: quota, current: round(used) } satisfies CapErrorDetails,
          { 'Retry-After': String(secondsToUtcMidnight()) },
        );
      }
    }
    if (limits.max_running === 0) throw notAllowed('max_running', 'Your role may not run jobs');
    const maxWaiting = limits.max_waiting;
    if (maxWaiting === null) return;
    if (maxWaiting === 0) throw notAllowed('max_waiting', 'Your role may not queue jobs');
    const waiting = await this.repository.waitingOf(owner.id);
    if (waiting + adding > maxWaiting) {
      throw new AppError(
        'comfy.queue_full',
        `Your role may have ${maxWaiting} jobs waiting; you have ${waiting} (adding ${adding})`,
        { cap: 'max_waiting', limit: maxWaiting, value: adding, current: waiting } satisfies CapErrorDetails,
      );
    }
  }

  shareOf(ownerId: number, role: Role): QueueShare {
    const limits = this.forRole(role);
    const quota = limits.gpu_seconds_per_day;
    return {
      // Only the ratio between owners counts; the dispatcher takes weights of at least 1, ours go down to 0.1.
      weight: limits.weight * weightScale,
      maxRunning: limits.max_running,
      held: quota !== null && this.usage.usedTodayS(ownerId) >= quota,
    };
  }

  private async reload(): Promise<void> {
    this.rows = new Map((await this.repository.all()).map((row) => [row.role, row]));
  }
}

/** Role weights (0.1–100) as the dispatcher's round-robin takes them (≥ 1). */
const weightScale = 10;

/** A 0 limit: the role may not do this at all (403, not a 4xx the caller could fix by asking less). */
export function notAllowed(cap: CapErrorDetails['cap'], message: string): AppError {
  return new AppError('comfy.not_allowed', message, { cap, limit: 0 } satisfies CapErrorDetails);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
