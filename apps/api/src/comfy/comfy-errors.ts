import {
  ComfyHttpError,
  ComfyProtocolError,
  ComfyTimeoutError,
  ComfyUnreachableError,
} from '@atelier/comfy-client';
import { AppError } from '../common/app-error.js';

/**
 * Maps what the ComfyUI client throws onto API errors, without ComfyUI's URL (it never reaches the
 * browser). Anything else is returned unchanged so the error filter answers 500.
 */
export function toComfyAppError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof ComfyTimeoutError) {
    return new AppError('comfy.timeout', 'ComfyUI did not answer in time');
  }
  if (error instanceof ComfyUnreachableError) {
    return new AppError('comfy.unreachable', 'ComfyUI is unreachable');
  }
  if (error instanceof ComfyHttpError) {
    return new AppError('comfy.upstream_error', `ComfyUI answered ${error.status}`, {
      upstream_status: error.status,
    });
  }
  if (error instanceof ComfyProtocolError) {
    return new AppError('comfy.upstream_error', 'ComfyUI answered something unexpected');
  }
  return error;
}

/** A short description for logs and health, without stack or URL noise. */
export function describeComfyError(error: unknown): string {
  if (error instanceof ComfyTimeoutError) return `timeout after ${error.timeoutMs} ms`;
  if (error instanceof ComfyHttpError) return `HTTP ${error.status}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
