import { authCookieNames } from '@atelier/contract';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { isBearerRequest } from './access-token.js';
import { isApiKeyRequest } from './api-key-auth.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global, first: a state change that a browser could be tricked into sending (no Bearer or X-Api-Key header)
 * must come from our own origin. Browsers send Origin on every non-GET fetch; Referer is the
 * fallback. Without either, it passes only when it carries none of our cookies (curl logging in).
 * SameSite=Strict cookies already stop most cross-site requests; this also covers same-site
 * neighbours (other apps on another port of the same host) and login CSRF.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    // Both are cookie-less by construction; an X-Api-Key request is judged by that header alone (JwtAuthGuard).
    if (safeMethods.has(request.method) || isBearerRequest(request) || isApiKeyRequest(request)) return true;

    const origin = originOf(request);
    if (origin === undefined) {
      if (!carriesOurCookies(request)) return true;
      throw new AppError('auth.csrf', 'A cookie-authenticated change must state its Origin');
    }
    if (!this.isOurs(origin, request)) {
      throw new AppError('auth.csrf', 'This request comes from another site');
    }
    return true;
  }

  private isOurs(origin: string, request: Request): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // includes the opaque origin "null"
    }
    if (this.config.http.allowedOrigins.includes(url.origin)) return true;
    // Express 5's req.host keeps the port and honours X-Forwarded-Host only when trust proxy is on.
    return url.host.toLowerCase() === (request.host ?? '').toLowerCase();
  }
}

function originOf(request: Request): string | undefined {
  const origin = request.headers.origin;
  if (origin) return origin;
  const referer = request.headers.referer;
  return referer || undefined;
}

function carriesOurCookies(request: Request): boolean {
  const cookies = (request.cookies ?? {}) as Record<string, unknown>;
  // Whatever the scheme of this request, any of our cookies (bare or prefixed) makes it cookie-authenticated.
  return [authCookieNames(false), authCookieNames(true)].some(
    (names) => names.access in cookies || names.refresh in cookies,
  );
}
