import type { ErrorBody, ErrorCode } from '@atelier/contract';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from '../common/app-error.js';
import { isClientGone } from './client-gone.js';

/** Every code's status. A new code in the contract does not compile until it is listed here. */
export const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  'auth.unauthenticated': 401,
  'auth.invalid_credentials': 401,
  'auth.forbidden': 403,
  'auth.csrf': 403,
  // A disabled account's token stops working: the client must treat it as signed out.
  'auth.disabled': 401,
  // The current password given to change it is wrong (the session itself is fine).
  'auth.wrong_password': 400,
  // An admin reset the password: only POST /api/auth/password (and me, refresh, logout) work until it changes.
  'auth.password_change_required': 403,
  // Too many sign-ins (password hashes) waiting at once: retry after Retry-After; not the client's fault.
  'auth.busy': 503,
  // An API key lacks the route's scope, or the route takes no keys at all (sign in instead).
  'auth.insufficient_scope': 403,
  'users.username_taken': 409,
  'users.not_found': 404,
  'users.last_admin': 409,
  'config.invalid': 400,
  'comfy.disabled': 503,
  'comfy.unreachable': 502,
  'comfy.timeout': 504,
  'comfy.upstream_error': 502,
  'comfy.invalid_workflow': 400,
  'comfy.unsupported_feature': 422,
  'comfy.job_not_found': 404,
  'comfy.conversion_failed': 422,
  // The template does not fit the server's object_info (missing classes, inputs or values).
  'comfy.template_broken': 422,
  // No configured backend has every node class and model the graph needs (details name what each lacks).
  'comfy.no_backend': 422,
  // Too many waiting jobs, or the day's GPU-seconds quota is spent (details name the cap).
  'comfy.queue_full': 429,
  'comfy.quota_exceeded': 429,
  // A graph asks for more than the role may (steps, width × height, batch size); details name the cap.
  'comfy.limit_exceeded': 400,
  // The role may not run this at all (its limit is 0).
  'comfy.not_allowed': 403,
  'gallery.not_found': 404,
  'gallery.invalid_image': 400,
  // Unknown and revoked share tokens answer alike, so a revoked link reveals nothing about itself.
  'share.not_found': 404,
  'share.expired': 410,
  'share.password_required': 401,
  'share.wrong_password': 401,
  // A webhook URL points at a refused address (loopback, private, link-local…) and no allow-list admits it.
  'webhooks.url_refused': 400,
  // The disk (or the process's file size limit) has no room for what was being written; nothing was kept.
  storage_full: 507,
};

/** Codes for HttpExceptions thrown by Nest or libraries, which know only a status. */
const codeByStatus: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'auth.unauthenticated',
  403: 'auth.forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers?: Readonly<Record<string, string>>;
}

const internal: ErrorResponse = {
  status: HttpStatus.INTERNAL_SERVER_ERROR,
  body: { code: 'internal', message: 'Something went wrong on our side' },
};

/** Errors raised by Express middleware (body-parser, http-errors) carry a status and an `expose` flag. */
interface HttpError {
  status: number;
  expose?: boolean;
  message: string;
}

function isHttpError(error: unknown): error is HttpError {
  return (
    error instanceof Error &&
    typeof (error as Partial<HttpError>).status === 'number' &&
    (error as Partial<HttpError>).expose === true
  );
}

function fromStatus(status: number, message: string): ErrorResponse {
  if (status >= 500) return internal;
  return { status, body: { code: codeByStatus[status] ?? 'validation_failed', message } };
}

export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.details !== undefined) body.details = error.details;
    return { status: statusByCode[error.code], body, headers: error.headers };
  }
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const raw =
      typeof response === 'object' && response !== null
        ? (response as { message?: unknown }).message
        : response;
    const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : error.message;
    return fromStatus(error.getStatus(), message);
  }
  if (isHttpError(error)) return fromStatus(error.status, error.message);
  return internal;
}

/**
 * Answers every error with the contract body `{ code, message, details? }` and never a stack.
 * Anything unexpected is logged with the request id and answered 500 `internal`.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    // The request's own log line already says "request aborted"; a stack here would only be noise.
    if (isClientGone(exception, request, response)) return;
    const answer = toErrorResponse(exception);

    // Shedding sign-ins under a storm is expected (the hasher logs it, at most once in a while).
    if (answer.status >= 500 && answer.body.code !== 'auth.busy') {
      this.logger.error({ err: exception, reqId: request.id, code: answer.body.code }, 'Request failed');
    }
    if (response.headersSent) {
      // Too late for a body (e.g. a stream broke mid-way): end the response so the client is not left hanging.
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
    response.status(answer.status).json(answer.body);
  }
}
