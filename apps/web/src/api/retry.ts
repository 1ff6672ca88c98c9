import { ApiError } from './http';

/** How hard to try again. Delays grow base·2ⁿ up to cap, with jitter; Retry-After wins when sent. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured; a server asking for more is not worth waiting on here. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 30_000,
};

export interface RetryEvent {
  error: ApiError;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Called before each wait: the place to tell the user. */
  onRetry?: (event: RetryEvent) => void;
  signal?: AbortSignal;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

// Statuses that say "not now" rather than "not like this". 4xx validation errors never qualify.
const retryableStatuses = new Set([0, 429, 502, 503, 504]);

// Refusals that waiting a few seconds will not change: the switch is off, the user's queue is full
// (their jobs take minutes to start), today's GPU quota is spent (it resets at midnight).
const notRetryableCodes = new Set(['comfy.disabled', 'comfy.queue_full', 'comfy.quota_exceeded']);

/**
 * True for failures that may succeed later: no connection, 429, and 502–504, except a 503 that
 * means the ComfyUI integration is switched off and the 429s of the queue's caps.
 */
export function isRetryable(error: unknown): error is ApiError {
  if (!(error instanceof ApiError)) return false;
  if (notRetryableCodes.has(error.code)) return false;
  return retryableStatuses.has(error.status);
}

/** The wait before attempt `attempt + 1`: Retry-After when given, else capped backoff with equal jitter. */
export function retryDelayMs(
  error: ApiError,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (error.retryAfter !== null) return Math.min(error.retryAfter * 1000, policy.maxRetryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Half fixed, half random: never hammering sooner than half the backoff, yet spreading clients out.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `task` until it succeeds, fails for good, or runs out of attempts; rejects with the last error. */
export async function withRetry<T>(task: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = { ...defaultRetryPolicy, ...options.policy };
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.maxAttempts || options.signal?.aborted) throw error;
      const delayMs = retryDelayMs(error, attempt, policy, options.random);
      options.onRetry?.({ error, attempt: attempt + 1, maxAttempts: policy.maxAttempts, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}
