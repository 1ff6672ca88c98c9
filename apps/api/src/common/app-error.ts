import type { ErrorCode } from '@atelier/contract';

/**
 * An expected failure, answered with the contract error body. The HTTP status comes from the code
 * (see statusByCode), so services speak in codes and never in status numbers.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on `rate_limited`. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
