import { Injectable } from '@nestjs/common';
import type { AppError } from '../common/app-error.js';
import type { ComfyJobEntity } from './job.entity.js';

/**
 * How posting a waiting job to a backend ended:
 * - `accepted`: ComfyUI has it (the row is `queued` on that backend);
 * - `rejected`: ComfyUI refused the graph (400): an inline post deletes the row, a later one fails it;
 * - `retry`: the backend could not be reached: the job is waiting again, unclaimed;
 * - `cancelled`: the job was cancelled while it was being posted (removed from ComfyUI again).
 */
export type PostResult =
  | { outcome: 'accepted' }
  | { outcome: 'rejected'; error: AppError }
  | { outcome: 'retry'; error: AppError }
  | { outcome: 'cancelled' };

/** What the ledger tells the queue's dispatcher (registered by the dispatch feature; comfy/ does not import it). */
export interface QueueDispatch {
  /**
   * A job joined its owner's queue. When a backend has room at once, the dispatcher posts it in this
   * call and returns that post's result, so the request can answer as ComfyUI did; null otherwise.
   */
  offer(job: ComfyJobEntity): Promise<PostResult> | null;
  /** A waiting job left the queue without being posted (cancelled, or its row deleted). */
  withdraw(promptId: string): void;
}

/** The one QueueDispatch in use; until one registers, jobs just wait. */
@Injectable()
export class DispatchRegistry {
  private dispatch: QueueDispatch | null = null;

  use(dispatch: QueueDispatch): void {
    this.dispatch = dispatch;
  }

  current(): QueueDispatch | null {
    return this.dispatch;
  }
}
