import { authCookieNames } from '@atelier/contract';
import type { Request } from 'express';

const bearerPattern = /^Bearer\s+(\S+)$/i;

/**
 * The access token from `Authorization: Bearer …` (API clients) or else the httpOnly cookie (browsers).
 * A request with an Authorization header is judged by it alone: no silent fallback to the cookie.
 */
export function extractAccessToken(request: Request): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) return bearerPattern.exec(header)?.[1] ?? null;
  // `__Host-atelier_access` over https, the bare name over http (see authCookieNames).
  const name = authCookieNames(request.secure).access;
  const cookie: unknown = (request.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof cookie === 'string' && cookie.length > 0 ? cookie : null;
}

/** Cookie-less by construction: another site cannot make a browser send this header (no CORS here). */
export function isBearerRequest(request: Request): boolean {
  const header = request.headers.authorization;
  return header !== undefined && bearerPattern.test(header);
}
