import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { JWT_SECRET } from './jwt-secret.js';
import { jwtAudience, jwtIssuer } from './sessions.service.js';

/** Why an access token was not accepted (the answer's message tells an expired one apart). */
export type TokenRefusal = 'missing' | 'expired' | 'invalid';

/**
 * Verifies HS256 access tokens with jsonwebtoken (the algorithm is pinned: `none` and RS/HS confusion
 * are refused; issuer, audience and expiry are checked). Synchronous and without passport: this runs on
 * every request, and passport's per-request strategy objects and callbacks cost more than the HMAC.
 */
@Injectable()
export class JwtStrategy {
  private readonly options: { secret: Buffer; algorithms: ['HS256']; issuer: string; audience: string };

  constructor(
    @Inject(JWT_SECRET) secret: string,
    private readonly jwt: JwtService,
  ) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a
    // public key on every verification (~0.7 ms per request, measured by `pnpm bench`).
    // @nestjs/jwt's types predate KeyObject support; jsonwebtoken 9 accepts it.
    const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
    this.options = {
      secret: key as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: jwtIssuer,
      audience: jwtAudience,
    };
  }

  /** The token's claims, or why it is refused. */
  verify(token: string): { claims: unknown } | { refusal: TokenRefusal } {
    try {
      return { claims: this.jwt.verify<object>(token, this.options) };
    } catch (error) {
      return {
        refusal: error instanceof Error && error.name === 'TokenExpiredError' ? 'expired' : 'invalid',
      };
    }
  }
}
