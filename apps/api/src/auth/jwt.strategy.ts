import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { JWT_SECRET } from './jwt-secret.js';
import { jwtAudience, jwtIssuer } from './sessions.service.js';

/** At most this many verified tokens are remembered (then all are forgotten at once). */
const maxVerifiedTokens = 10_000;

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

  /**
   * Tokens verified already, until they expire: a signed token never changes, so its signature need not
   * be checked again on each request (the user and session behind it still are, by AuthService).
   */
  private readonly verified = new Map<string, { claims: object; expiresAtMs: number }>();

  /** The token's claims, or why it is refused. */
  verify(token: string): { claims: unknown } | { refusal: TokenRefusal } {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return { claims: known.claims };
      this.verified.delete(token);
      return { refusal: 'expired' };
    }
    let claims: object;
    try {
      claims = this.jwt.verify<object>(token, this.options);
    } catch (error) {
      return {
        refusal: error instanceof Error && error.name === 'TokenExpiredError' ? 'expired' : 'invalid',
      };
    }
    // jsonwebtoken refuses a token once the clock's whole second reaches `exp`.
    const exp = (claims as { exp?: unknown }).exp;
    if (typeof exp === 'number' && Number.isFinite(exp)) {
      if (this.verified.size >= maxVerifiedTokens) this.verified.clear();
      this.verified.set(token, { claims: Object.freeze(claims), expiresAtMs: exp * 1000 });
    }
    return { claims };
  }
}
