import {
  Injectable,
  mixin,
  PayloadTooLargeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { AppError } from './app-error.js';
import { formatBytes } from './format-bytes.js';

/**
 * Bound outside FileInterceptor: turns multer's bare "File too large" into an answer that states the
 * limit, read from the config by `maxBytesOf` (each upload route has its own).
 */
export function UploadLimitInterceptor(maxBytesOf: (config: AppConfig) => number): Type<NestInterceptor> {
  @Injectable()
  class UploadLimit implements NestInterceptor {
    constructor(private readonly config: AppConfig) {}

    intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
      const max = maxBytesOf(this.config);
      return next.handle().pipe(
        catchError((error: unknown) =>
          throwError(() =>
            error instanceof PayloadTooLargeException
              ? new AppError(
                  'payload_too_large',
                  `The file is larger than the limit of ${formatBytes(max)}`,
                  {
                    max_bytes: max,
                  },
                )
              : error,
          ),
        ),
      );
    }
  }
  return mixin(UploadLimit);
}
