import type { ApiScope, LoginResponse } from '@atelier/contract';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { AppError } from '../common/app-error.js';
import { UsersService, type ActiveUser } from '../users/users.service.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionsService, type IssuedTokens, type SessionClient } from './sessions.service.js';

export interface SignedIn {
  response: LoginResponse;
  tokens: IssuedTokens;
}

/**
 * What JwtAuthGuard puts on the request: the user and the session the token belongs to, or (for an API key)
 * no session and the key with its scopes, already capped by the owner's current role.
 */
export interface AuthenticatedUser extends ActiveUser {
  sessionId: string | null;
  apiKey?: { id: number; scopes: ApiScope[] };
}

/** The request's session, on routes only sessions reach (no @Scopes, so ScopesGuard refused keys already). */
export function sessionIdOf(user: AuthenticatedUser): string {
  if (user.sessionId === null) {
    throw new AppError('auth.insufficient_scope', 'This endpoint does not take API keys: sign in instead');
  }
  return user.sessionId;
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    // A disabled user's sessions end at once, and do not come back if they are enabled again.
    this.bus.subscribe('user.disabled', ({ userId }) => this.sessions.endAllOf(userId));
  }

  /**
   * `ip` counts failures (the throttle); `client` is kept with the session. `signal`: aborts when the
   * client goes away, so an attempt still waiting for the hasher never runs.
   */
  async login(
    username: string,
    password: string,
    ip: string,
    client: SessionClient,
    signal?: AbortSignal,
  ): Promise<SignedIn> {
    // Counted before the password is verified (pending while it waits for the hasher), so parallel
    // attempts cannot all reach argon2.
    const user = await this.throttle.verify(
      ip,
      username,
      () => this.users.verifyCredentials(username, password, signal),
      signal,
    );
    if (!user) {
      this.logger.warn({ ip }, 'Failed sign-in');
      throw new AppError('auth.invalid_credentials', 'Wrong username or password');
    }
    const tokens = await this.sessions.start(user, client);
    this.logger.log({ userId: user.id }, 'Signed in');
    return { response: toLoginResponse(user, tokens), tokens };
  }

  async refresh(refreshToken: string | undefined): Promise<SignedIn> {
    const session = refreshToken ? await this.sessions.consume(refreshToken) : null;
    if (!session) throw new AppError('auth.unauthenticated', 'The session has ended: sign in again');
    const user = await this.users.findActive(session.userId);
    if (!user) {
      await this.sessions.end(session.sessionId);
      throw new AppError('auth.disabled', 'This account is disabled');
    }
    const tokens = await this.sessions.resume(session);
    return { response: toLoginResponse(user, tokens), tokens };
  }

  /**
   * Ends the session named by the access token (expired or not) and the one of the refresh cookie,
   * so either suffices: a browser whose access token expired still signs out for real.
   */
  async logout(accessToken: string | null, refreshToken: string | undefined): Promise<void> {
    const sessionIds = new Set<string>();
    const fromAccess = accessToken ? await this.sessions.sessionOfAccessToken(accessToken) : null;
    if (fromAccess) sessionIds.add(fromAccess);
    const fromRefresh = refreshToken ? await this.sessions.sessionOf(refreshToken) : null;
    if (fromRefresh) sessionIds.add(fromRefresh);
    if (sessionIds.size === 0) throw new AppError('auth.unauthenticated', 'Sign in to use this endpoint');
    for (const sessionId of sessionIds) await this.sessions.end(sessionId);
  }

  /**
   * Turns verified JWT claims into the request's user. Looked up on every request, so a disabled
   * user, a changed role or an ended session takes effect at once rather than at token expiry.
   */
  async authenticate(claims: unknown): Promise<AuthenticatedUser> {
    const { sub, sid } = (typeof claims === 'object' && claims !== null ? claims : {}) as Record<
      string,
      unknown
    >;
    const userId = typeof sub === 'string' && /^\d+$/.test(sub) ? Number(sub) : NaN;
    if (!Number.isSafeInteger(userId) || typeof sid !== 'string') {
      throw new AppError('auth.unauthenticated', 'The access token is not valid');
    }
    const user = await this.users.findActive(userId);
    if (!user) throw new AppError('auth.disabled', 'This account is disabled or no longer exists');
    if (!(await this.sessions.isActive(sid))) {
      throw new AppError('auth.unauthenticated', 'The session has ended: sign in again');
    }
    return { ...user, sessionId: sid };
  }
}

export function toLoginResponse(user: ActiveUser, tokens: IssuedTokens): LoginResponse {
  return {
    access_token: tokens.accessToken,
    expires_in: tokens.accessExpiresIn,
    user: { id: user.id, username: user.username, role: user.role },
    must_change_password: user.mustChangePassword,
  };
}
