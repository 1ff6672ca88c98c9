import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../common/app-error.js';

/**
 * Placed right after the JSON body parser: turns its errors (which carry a `type`) into AppErrors
 * before Nest would flatten them into a generic 400 that echoes the parser's message.
 */
export function bodyParserErrors(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  switch (type) {
    case 'entity.parse.failed':
      next(new AppError('validation_failed', 'The request body is not valid JSON'));
      return;
    case 'entity.too.large': {
      const limit = (error as { limit?: unknown }).limit;
      const size = typeof limit === 'number' ? ` of ${Math.floor(limit / 1024)} KiB` : '';
      next(new AppError('payload_too_large', `The request body is larger than the limit${size}`));
      return;
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      next(new AppError('unsupported_media_type', 'The request body uses an unsupported encoding'));
      return;
    default:
      next(error);
  }
}
