import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { Strategy } from 'passport-jwt';
import { extractAccessToken } from './access-token.js';
import { AuthService, type AuthenticatedUser } from './auth.service.js';
import { JWT_SECRET } from './jwt-secret.js';
import { jwtAudience, jwtIssuer } from './sessions.service.js';

/** Verifies HS256 access tokens (the algorithm is pinned: `none` and RS/HS confusion are refused). */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(JWT_SECRET) secret: string,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: extractAccessToken,
      // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
      // public key on every verification (~0.7 ms per request, measured by `pnpm bench`).
      // passport-jwt's types predate KeyObject support; jsonwebtoken 9 accepts it.
      secretOrKey: createSecretKey(Buffer.from(secret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: jwtIssuer,
      audience: jwtAudience,
      ignoreExpiration: false,
    });
  }

  validate(claims: unknown): Promise<AuthenticatedUser> {
    return this.auth.authenticate(claims);
  }
}
