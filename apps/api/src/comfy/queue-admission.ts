import type { AuthUser, Role } from '@atelier/contract';
import { Injectable } from '@nestjs/common';

/** An owner's share of the backends, as the dispatcher applies it. */
export interface QueueShare {
  /** Smooth weighted round-robin weight among owners with waiting jobs (≥ 1). */
  weight: number;
  /** Most jobs of this owner posted to backends at once; null = no cap. */
  maxRunning: number | null;
  /** Over quota: the owner's waiting jobs stay waiting (nothing is refused). */
  held: boolean;
}

/**
 * Who may add jobs to Atelier's queue, and what share of the backends each owner gets. The limits
 * feature registers its implementation with AdmissionRegistry; comfy/ imports no feature built on it.
 */
export interface QueueAdmission {
  /** Throws an AppError naming the cap (429 comfy.queue_full / comfy.quota_exceeded) when `owner` may not add `adding` jobs. */
  assertMayEnqueue(owner: AuthUser, adding: number): void | Promise<void>;
  /** Per-owner share for the dispatcher: round-robin weight, max jobs in flight (null = no cap), held when over quota. */
  shareOf(ownerId: number, role: Role): QueueShare;
}

/** Everyone may queue, everyone weighs the same, nothing is capped. */
const allowAll: QueueAdmission = {
  assertMayEnqueue: () => undefined,
  shareOf: () => ({ weight: 1, maxRunning: null, held: false }),
};

/** The one QueueAdmission in use (the last registered; allow-all until one is). */
@Injectable()
export class AdmissionRegistry {
  private admission: QueueAdmission = allowAll;

  use(admission: QueueAdmission): void {
    this.admission = admission;
  }

  current(): QueueAdmission {
    return this.admission;
  }
}
