import {
  Injectable,
  PayloadTooLargeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../http/app-error.js';

/** Bound outside FileInterceptor: turns multer's bare "File too large" into an answer that states the limit. */
@Injectable()
export class UploadLimitInterceptor implements NestInterceptor {
  constructor(private readonly config: AppConfig) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const max = this.config.comfyUploads.maxBytes;
    return next.handle().pipe(
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof PayloadTooLargeException
            ? new AppError('payload_too_large', `The image is larger than the limit of ${max} bytes`, {
                max_bytes: max,
              })
            : error,
        ),
      ),
    );
  }
}
