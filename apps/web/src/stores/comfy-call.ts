import type { ComfyImageRef } from '@atelier/contract';
import { comfyApi } from '../api/comfy';
import { ApiError } from '../api/http';
import { withRetry, type RetryEvent } from '../api/retry';
import { useComfyHealthStore } from './comfy-health';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';

export interface ComfyCallOptions {
  signal?: AbortSignal;
  /** No toast for `comfy.disabled`: "switched off" has its own banner, and reads that fill a page need none on top. */
  quietWhenDisabled?: boolean;
}

function retryTitle({ error, delayMs, attempt, maxAttempts }: RetryEvent): string {
  const what =
    error.status === 429 || error.status === 503
      ? 'ComfyUI is busy'
      : error.status === 504
        ? 'ComfyUI is slow to answer'
        : 'ComfyUI is unreachable';
  return `${what} — retrying in ${Math.max(1, Math.round(delayMs / 1000))} s (attempt ${attempt}/${maxAttempts})`;
}

/**
 * A call to /api/comfy as the stores make it: retried with backoff (api/retry.ts), one toast per retry
 * (the next replaces it) and one on final failure, and every failure reported to the ComfyUI banner.
 * Validation errors (400) are left to the form that sent them.
 */
export async function callComfy<T>(
  failureTitle: string,
  task: () => Promise<T>,
  { signal, quietWhenDisabled = false }: ComfyCallOptions = {},
): Promise<T> {
  const notifications = useNotificationsStore();
  const health = useComfyHealthStore();
  let retryToast: number | null = null;
  const clearRetryToast = () => {
    if (retryToast !== null) notifications.dismiss(retryToast);
    retryToast = null;
  };
  try {
    return await withRetry(task, {
      signal,
      onRetry: (event) => {
        health.noteFailure(event.error);
        clearRetryToast();
        retryToast = notifications.warning({ title: retryTitle(event), message: event.error.message });
      },
    });
  } catch (error) {
    health.noteFailure(error);
    const isFieldError = error instanceof ApiError && error.code === 'validation_failed';
    const isAbort = error instanceof DOMException && error.name === 'AbortError';
    const isQuiet = quietWhenDisabled && error instanceof ApiError && error.code === 'comfy.disabled';
    if (!isFieldError && !isAbort && !isQuiet)
      notifications.error({ title: failureTitle, message: describeError(error) });
    throw error;
  } finally {
    clearRetryToast();
  }
}

/** The bytes of an image ComfyUI produced (GET /api/comfy/view), with the same retries and toasts. */
export function fetchComfyImage(image: ComfyImageRef, signal?: AbortSignal): Promise<Blob> {
  return callComfy('Could not load the image', () => comfyApi.view(image, signal), { signal });
}
