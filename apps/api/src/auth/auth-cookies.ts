import { authCookieNames } from '@atelier/contract';
import type { CookieOptions, Request, Response } from 'express';
import type { IssuedTokens } from './sessions.service.js';

/** The refresh cookie only travels to the auth endpoints. */
export const refreshCookiePath = '/api/auth';

/**
 * httpOnly (scripts cannot read them), SameSite=Strict (not sent on cross-site requests), Secure when
 * the request came over https (so plain-http LAN installs still work). Over https the names carry the
 * `__Host-` / `__Secure-` prefixes (`authCookieNames`); `request.secure` honours X-Forwarded-Proto only
 * under ATELIER_TRUST_PROXY.
 */
function baseOptions(request: Request): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: request.secure };
}

export function setAuthCookies(request: Request, response: Response, tokens: IssuedTokens): void {
  const names = authCookieNames(request.secure);
  response.cookie(names.access, tokens.accessToken, {
    ...baseOptions(request),
    path: '/',
    maxAge: tokens.accessExpiresIn * 1000,
  });
  response.cookie(names.refresh, tokens.refreshToken, {
    ...baseOptions(request),
    path: refreshCookiePath,
    maxAge: tokens.refreshExpiresIn * 1000,
  });
}

export function clearAuthCookies(request: Request, response: Response): void {
  const names = authCookieNames(request.secure);
  response.clearCookie(names.access, { ...baseOptions(request), path: '/' });
  response.clearCookie(names.refresh, { ...baseOptions(request), path: refreshCookiePath });
}

export function refreshCookieOf(request: Request): string | undefined {
  // Over https only the prefixed name counts: a bare one could have been planted over plain http.
  const name = authCookieNames(request.secure).refresh;
  const value: unknown = (request.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
