import { ApiError } from '../api/http';
import { describeCapError } from '../domain/cap-errors';

/** A sentence for people out of anything a call may have thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError)
    return describeCapError(error.code, error.details, error.retryAfter) ?? error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
