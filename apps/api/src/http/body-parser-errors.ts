import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../common/app-error.js';
import { isNestedDeeper, maxJsonDepth } from '../common/json-depth.js';
import { toErrorResponse } from './error.filter.js';

const logger = new Logger('Errors');

/**
 * Placed right after the JSON body parser. It answers the parser's errors itself (as the error filter would):
 * an error passed on would reach @nestjs/serve-static's error middleware, which turns anything under /api
 * into `404 Cannot POST …` once the web build is in place.
 */
export function bodyParserErrors(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const answer = toErrorResponse(fromBodyParser(error));
  if (answer.status >= 500) {
    logger.error({ err: error, reqId: req.id, code: answer.body.code }, 'Request failed');
  }
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.status(answer.status).json(answer.body);
}

/** Refuses a parsed body nested deeper than `maxJsonDepth` (JSON.parse itself copes with any depth). */
export function rejectDeepBodies(req: Request, res: Response, next: NextFunction): void {
  if (!isNestedDeeper(req.body, maxJsonDepth)) {
    next();
    return;
  }
  const error = new AppError(
    'validation_failed',
    `The request body is nested deeper than ${maxJsonDepth} levels`,
  );
  bodyParserErrors(error, req, res, next);
}

/** Body-parser errors carry a `type`; they become AppErrors so the message never echoes the parser's. */
function fromBodyParser(error: unknown): unknown {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new AppError('validation_failed', 'The request body is not valid JSON');
    case 'entity.too.large': {
      const limit = (error as { limit?: unknown }).limit;
      const size = typeof limit === 'number' ? ` of ${Math.floor(limit / 1024)} KiB` : '';
      return new AppError('payload_too_large', `The request body is larger than the limit${size}`);
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'The request body uses an unsupported encoding');
    default:
      return error;
  }
}
