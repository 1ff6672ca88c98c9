import { accessCookieName, refreshCookieName } from '@atelier/contract';
import type { CookieOptions, Request, Response } from 'express';
import type { IssuedTokens } from './sessions.service.js';

/** The refresh cookie only travels to the auth endpoints. */
export const refreshCookiePath = '/api/auth';

/**
 * httpOnly (scripts cannot read them), SameSite=Strict (not sent on cross-site requests), Secure when
 * the request came over https (so plain-http LAN installs still work).
 */
function baseOptions(request: Request): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: request.secure };
}

export function setAuthCookies(request: Request, response: Response, tokens: IssuedTokens): void {
  response.cookie(accessCookieName, tokens.accessToken, {
    ...baseOptions(request),
    path: '/',
    maxAge: tokens.accessExpiresIn * 1000,
  });
  response.cookie(refreshCookieName, tokens.refreshToken, {
    ...baseOptions(request),
    path: refreshCookiePath,
    maxAge: tokens.refreshExpiresIn * 1000,
  });
}

export function clearAuthCookies(request: Request, response: Response): void {
  response.clearCookie(accessCookieName, { ...baseOptions(request), path: '/' });
  response.clearCookie(refreshCookieName, { ...baseOptions(request), path: refreshCookiePath });
}

export function refreshCookieOf(request: Request): string | undefined {
  const value: unknown = (request.cookies as Record<string, unknown> | undefined)?.[refreshCookieName];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
