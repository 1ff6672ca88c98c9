import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

export const requestIdHeader = 'x-request-id';

/**
 * First middleware of all: honours a sane incoming X-Request-Id (from a proxy) or makes one,
 * and echoes it, so even requests rejected by the body parser carry an id.
 */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers[requestIdHeader];
  const id = typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  req.id = id;
  res.setHeader(requestIdHeader, id);
  next();
}
