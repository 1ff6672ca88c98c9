import type { AuthUser } from '@atelier/contract';
import {
  Global,
  Injectable,
  Module,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { UserSlots } from './user-slots.js';

/** The per-user caps on what a user may hold open at once (ATELIER_MAX_*_PER_USER). */
@Injectable()
export class ResourceCaps {
  /** GET /api/comfy/stream/:promptId connections. */
  readonly streams: UserSlots;
  /** Multipart uploads being received (POST /api/comfy/upload and /api/comfy/ingest together). */
  readonly uploads: UserSlots;

  constructor(config: AppConfig) {
    this.streams = new UserSlots(config.caps.streamsPerUser, 'open event streams');
    this.uploads = new UserSlots(config.caps.uploadsPerUser, 'uploads in progress');
  }
}

/**
 * Listed before FileInterceptor: reserves one of the user's upload slots before multer reads the body
 * into memory (429 `rate_limited` without reading it otherwise) and frees it when the response is over.
 */
@Injectable()
export class UploadSlotInterceptor implements NestInterceptor {
  constructor(private readonly caps: ResourceCaps) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const user = http.getRequest<Request>().user as AuthUser;
    const release = this.caps.uploads.acquire(user.id);
    const response = http.getResponse<Response>();
    response.once('close', release);
    response.once('finish', release);
    return next.handle();
  }
}

/** Global so every feature shares one count per user. */
@Global()
@Module({ providers: [ResourceCaps, UploadSlotInterceptor], exports: [ResourceCaps, UploadSlotInterceptor] })
export class ResourceCapsModule {}
