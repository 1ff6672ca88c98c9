import { AppError } from './app-error.js';

/**
 * Counts what each user holds open at once (SSE streams, uploads in flight) against a fixed cap.
 * `acquire` throws 429 `rate_limited` with Retry-After when the user holds `max` already; the
 * returned release function is idempotent, so every way a request can end may call it.
 */
export class UserSlots {
  private readonly held = new Map<number, number>();

  constructor(
    private readonly max: number,
    /** Plural noun for the message, e.g. "open event streams". */
    private readonly what: string,
    private readonly retryAfterS = 5,
  ) {}

  acquire(userId: number): () => void {
    const count = this.held.get(userId) ?? 0;
    if (count >= this.max) {
      throw new AppError(
        'rate_limited',
        `Too many ${this.what}: at most ${this.max} per user at once; close one or try again in ${this.retryAfterS} s`,
        { limit: this.max, retry_after_s: this.retryAfterS },
        { 'Retry-After': String(this.retryAfterS) },
      );
    }
    this.held.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left > 0) this.held.set(userId, left);
      else this.held.delete(userId);
    };
  }

  /** How many slots the user holds now (tests, diagnostics). */
  heldBy(userId: number): number {
    return this.held.get(userId) ?? 0;
  }
}
