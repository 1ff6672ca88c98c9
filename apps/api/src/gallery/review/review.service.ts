import { reviewNoteMaxLength, roleAtLeast, type AuthUser, type ImageStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import type { AppEventMap } from '../../events/app-events.js';
import { EventBus } from '../../events/event-bus.js';
import { ReviewsRepository, type ReviewedImage } from './reviews.repository.js';

/** What a batch of decisions did: images changed, and images the user may not act on. */
export interface ReviewOutcome {
  /** Images whose status changed (one trail row each). */
  affected: number;
  /** Ids the user may not act on: unknown, in the trash, another's (plain user), or any id for approve/reject by a plain user. */
  skipped: number;
}

type Decision = AppEventMap['gallery.images_reviewed']['decision'];

interface Rule {
  decision: Decision;
  /** The statuses the decision moves an image from; any other is left as it is (neither affected nor skipped). */
  from: readonly ImageStatus[];
  to: ImageStatus;
  /** Curators and admins only, or also the image's owner. */
  owners: boolean;
}

const rules = {
  submit: { decision: 'submitted', from: ['private', 'rejected'], to: 'pending', owners: true },
  approve: { decision: 'approved', from: ['private', 'pending', 'rejected'], to: 'approved', owners: false },
  reject: { decision: 'rejected', from: ['private', 'pending', 'approved'], to: 'rejected', owners: false },
} as const satisfies Record<string, Rule>;

/**
 * Review decisions over id lists (the bulk endpoint resolves selections to ids). Each call is one
 * transaction: statuses change and trail rows are appended together, and one
 * `gallery.images_reviewed` event per batch tells the audit log (approve and reject).
 */
@Injectable()
export class ReviewService {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly bus: EventBus,
  ) {}

  /** Owners submit their private or rejected images (curators anyone's) → pending. */
  submit(ids: readonly number[], user: AuthUser): Promise<ReviewOutcome> {
    return this.decide(rules.submit, ids, user, undefined);
  }

  /** Curators and admins: private, pending or rejected → approved (the review note is cleared). */
  approve(ids: readonly number[], user: AuthUser): Promise<ReviewOutcome> {
    return this.decide(rules.approve, ids, user, null);
  }

  /**
   * Curators and admins: private, pending or approved → rejected, with a note the owner sees
   * (trimmed; blank is none; more than reviewNoteMaxLength characters is a 400).
   */
  async reject(ids: readonly number[], user: AuthUser, note?: string | null): Promise<ReviewOutcome> {
    return this.decide(rules.reject, ids, user, normaliseNote(note));
  }

  /** `note` undefined keeps the image's review note (a resubmission shows why it was rejected before). */
  private async decide(
    rule: Rule,
    ids: readonly number[],
    user: AuthUser,
    note: string | null | undefined,
  ): Promise<ReviewOutcome> {
    const wanted = [...new Set(ids)];
    const isCurator = roleAtLeast(user.role, 'curator');
    if (!isCurator && !rule.owners) return { affected: 0, skipped: wanted.length };
    const actor = { id: user.id, username: user.username };
    const changed = await this.reviews.transaction(async (tx) => {
      const found = await this.reviews.images(wanted, tx);
      const mine = found.filter((image) => isCurator || image.createdBy === user.id);
      const moving = mine.filter((image) => rule.from.includes(image.status));
      const order = new Map(wanted.map((id, index) => [id, index]));
      const changing = moving
        .map((image: ReviewedImage) => image.id)
        .sort((a, b) => order.get(a)! - order.get(b)!);
      await this.reviews.setStatus(changing, rule.to, note, tx);
      await this.reviews.append(changing, rule.decision, note ?? null, actor, new Date().toISOString(), tx);
      return { changing, skipped: wanted.length - mine.length };
    });
    if (changed.changing.length > 0) {
      void this.bus.publish('gallery.images_reviewed', {
        actor,
        decision: rule.decision,
        ids: changed.changing,
        note: note ?? null,
      });
    }
    return { affected: changed.changing.length, skipped: changed.skipped };
  }
}

function normaliseNote(note: string | null | undefined): string | null {
  if (note === undefined || note === null) return null;
  if (typeof note !== 'string') throw invalidNote('must be a string');
  const trimmed = note.trim();
  if ([...trimmed].length > reviewNoteMaxLength) {
    throw invalidNote(`must be at most ${reviewNoteMaxLength} characters`);
  }
  return trimmed === '' ? null : trimmed;
}

function invalidNote(rule: string): AppError {
  return new AppError('validation_failed', `The review note ${rule}`, { note: [rule] });
}
