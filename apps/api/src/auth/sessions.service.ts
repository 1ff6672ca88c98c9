import type { AuthUser, SessionSummary } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';

/** Claims of our access tokens; `sid` ties the token to a session that logout can end. */
export interface AccessClaims {
  sub: string;
  sid: string;
}

export interface IssuedTokens {
  accessToken: string;
  /** Seconds. */
  accessExpiresIn: number;
  refreshToken: string;
  /** Seconds. */
  refreshExpiresIn: number;
}

/** Where a sign-in came from, kept with its session so the owner can tell their sessions apart. */
export interface SessionClient {
  userAgent: string | null;
  ip: string | null;
}

export interface RotatedSession extends SessionClient {
  userId: number;
  sessionId: string;
}

/** Long enough for any real browser's User-Agent; a forged megabyte is not worth storing. */
const maxUserAgentLength = 512;

export const jwtIssuer = 'atelier';
export const jwtAudience = 'atelier-api';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sessions: a short-lived access JWT (HS256) plus an opaque refresh token, rotated on every use
 * and stored only as a hash. Refresh tokens carry 256 random bits, so a fast hash is enough.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly tokens: RefreshTokensRepository,
  ) {}

  async start(user: AuthUser, client: SessionClient): Promise<IssuedTokens> {
    // Expired tokens are deleted hourly by RefreshTokenCleanup (a background job).
    const now = new Date();
    const details = { userAgent: client.userAgent?.slice(0, maxUserAgentLength) || null, ip: client.ip };
    return this.issue({ userId: user.id, sessionId: randomUUID(), ...details }, now);
  }

  /**
   * Uses up a refresh token (it never works again); null when it is unknown, expired or already used.
   * A token used twice was copied: the whole session (every token rotated from the same sign-in, and
   * the access tokens naming it) ends, whoever holds the newest token, thief or owner.
   */
  async consume(refreshToken: string): Promise<RotatedSession | null> {
    const tokenHash = hashToken(refreshToken);
    const now = new Date();
    const used = await this.tokens.consume(tokenHash, now);
    if (used) {
      return { userId: used.userId, sessionId: used.sessionId, userAgent: used.userAgent, ip: used.ip };
    }
    const spent = await this.tokens.findByHash(tokenHash);
    if (spent?.revokedAt) {
      await this.tokens.revokeSession(spent.sessionId, now);
      this.logger.warn({ userId: spent.userId }, 'A spent refresh token was replayed: its session ended');
    }
    return null;
  }

  /** The next pair of tokens of a session whose refresh token was just consumed. */
  resume(session: RotatedSession): Promise<IssuedTokens> {
    return this.issue(session, new Date());
  }

  /** The session a refresh token belongs to, whether or not it is still usable. */
  async sessionOf(refreshToken: string): Promise<string | null> {
    return (await this.tokens.findByHash(hashToken(refreshToken)))?.sessionId ?? null;
  }

  /**
   * The session an access token of ours names, expired or not (its signature, issuer and audience are
   * checked): logout must end a session whose access token has just expired.
   */
  async sessionOfAccessToken(accessToken: string): Promise<string | null> {
    try {
      const claims = await this.jwt.verifyAsync<Partial<AccessClaims>>(accessToken, {
        algorithms: ['HS256'],
        issuer: jwtIssuer,
        audience: jwtAudience,
        ignoreExpiration: true,
      });
      return typeof claims.sid === 'string' ? claims.sid : null;
    } catch {
      return null;
    }
  }

  async isActive(sessionId: string): Promise<boolean> {
    return this.tokens.isSessionActive(sessionId, new Date());
  }

  end(sessionId: string): Promise<void> {
    return this.tokens.revokeSession(sessionId, new Date());
  }

  endAllOf(userId: number): Promise<void> {
    return this.tokens.revokeUser(userId, new Date());
  }

  /** The user's live sessions, newest activity first; `currentId` marks the caller's. */
  async listOf(userId: number, currentId: string): Promise<SessionSummary[]> {
    const rows = await this.tokens.liveSessionsOf(userId, new Date());
    return rows.map((row) => ({
      id: row.sessionId,
      created_at: row.createdAt.toISOString(),
      last_seen_at: row.lastSeenAt.toISOString(),
      expires_at: row.expiresAt.toISOString(),
      user_agent: row.userAgent,
      ip: row.ip,
      is_current: row.sessionId === currentId,
    }));
  }

  /** Ends one of the user's own sessions; someone else's, an ended or an unknown one is 404 alike. */
  async endOne(userId: number, sessionId: string): Promise<void> {
    if (!(await this.tokens.revokeSessionOf(userId, sessionId, new Date()))) {
      throw new AppError('not_found', 'No such session');
    }
  }

  /** Ends every session of the user but the one named (the caller's own). */
  endOthers(userId: number, keepSessionId: string): Promise<void> {
    return this.tokens.revokeUserExcept(userId, keepSessionId, new Date());
  }

  private async issue(session: RotatedSession, now: Date): Promise<IssuedTokens> {
    const { userId, sessionId, userAgent, ip } = session;
    const { accessTokenTtlS, refreshTokenTtlS } = this.config.auth;
    const claims: AccessClaims = { sub: String(userId), sid: sessionId };
    const accessToken = await this.jwt.signAsync(claims, {
      algorithm: 'HS256',
      expiresIn: accessTokenTtlS,
      issuer: jwtIssuer,
      audience: jwtAudience,
    });
    const refreshToken = randomBytes(32).toString('base64url');
    await this.tokens.insert({
      userId,
      sessionId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(now.getTime() + refreshTokenTtlS * 1000),
      userAgent,
      ip,
    });
    return {
      accessToken,
      accessExpiresIn: accessTokenTtlS,
      refreshToken,
      refreshExpiresIn: refreshTokenTtlS,
    };
  }
}
