import { ApiError } from '../api/http';

/** A sentence for people out of anything a call may have thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
