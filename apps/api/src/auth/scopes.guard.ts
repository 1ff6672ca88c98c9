import type { ApiScope } from '@atelier/contract';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { REQUIRED_SCOPES_KEY } from '../common/auth.decorators.js';

/**
 * Global, after roles: limits API-key requests to the routes marked @Scopes() whose scopes the key holds
 * (already capped by its owner's current role). Default deny: a route without @Scopes refuses keys, so
 * sign-in, password, sessions and the key routes themselves stay session-only. Sessions pass untouched.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const key = context.switchToHttp().getRequest<Request>().user?.apiKey;
    if (!key) return true;
    const required = this.reflector.getAllAndOverride<ApiScope[] | undefined>(REQUIRED_SCOPES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (required === undefined) {
      throw new AppError('auth.insufficient_scope', 'This endpoint does not take API keys: sign in instead');
    }
    const missing = required.filter((scope) => !key.scopes.includes(scope));
    if (missing.length > 0) {
      throw new AppError('auth.insufficient_scope', `This API key lacks the scope ${missing.join(', ')}`, {
        required,
        missing,
      });
    }
    return true;
  }
}
