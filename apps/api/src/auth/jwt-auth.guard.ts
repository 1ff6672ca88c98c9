import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { IS_PUBLIC_KEY } from '../common/auth.decorators.js';
import { extractAccessToken } from './access-token.js';
import { presentedApiKey } from './api-key-auth.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthService, type AuthenticatedUser } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { MachineTokens } from './machine-token.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how Express's Request is augmented
  namespace Express {
    interface Request {
      /** Set by JwtAuthGuard on every authenticated route. */
      user?: AuthenticatedUser;
    }
  }
}

/**
 * Global: every route needs a valid access token (or API key) unless it is marked @Public(). The token names a
 * user and a session; both are read from the database on every request (AuthService.authenticate), so
 * a disabled user, a changed role or an ended session counts at once, not at the token's expiry.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: JwtStrategy,
    private readonly auth: AuthService,
    private readonly machines: MachineTokens,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (this.machines.admits(context, request)) return true;
    // API keys (`X-Api-Key`, or a Bearer starting `atl_`): ScopesGuard then limits them to @Scopes routes.
    const key = presentedApiKey(request);
    if (key.kind === 'misplaced') {
      throw new AppError(
        'auth.unauthenticated',
        'API keys are not accepted from cookies: send them in a header',
      );
    }
    if (key.kind === 'key') {
      request.user = await this.apiKeys.authenticate(key.secret, request.ip ?? null);
      return true;
    }
    const token = extractAccessToken(request);
    const verified = token === null ? ({ refusal: 'missing' } as const) : this.tokens.verify(token);
    if ('refusal' in verified) {
      throw new AppError(
        'auth.unauthenticated',
        verified.refusal === 'expired' ? 'The access token has expired' : 'Sign in to use this endpoint',
      );
    }
    request.user = await this.auth.authenticate(verified.claims);
    return true;
  }
}
