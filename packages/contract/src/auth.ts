export const roles = ['user', 'curator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Roles nest: admin ⊃ curator ⊃ user. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(required);
}

export interface AuthUser {
  id: number;
  username: string;
  role: Role;
}

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  access_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
  user: AuthUser;
  /**
   * True after an admin reset the password: until the user changes it (POST /api/auth/password),
   * every other route answers 403 `auth.password_change_required`.
   */
  must_change_password: boolean;
}

/**
 * GET /api/auth/me: the signed-in user, whether an admin's reset still waits for a new password, and what the
 * app tells them wherever they are.
 */
export interface MeResponse extends AuthUser {
  must_change_password: boolean;
  /**
   * How many of the caller's own webhook endpoints Atelier turned off after days of failed deliveries (those
   * re-enabled or deleted since no longer count). There is no per-user live channel: the web reads it at boot
   * and sign-in, and again after a re-enable.
   */
  disabled_webhooks: number;
}

/** One sign-in of the caller (a chain of rotated refresh tokens), as GET /api/auth/sessions lists it. */
export interface SessionSummary {
  /** The session id (opaque); DELETE /api/auth/sessions/:id ends it. */
  id: string;
  /** ISO 8601: when the user signed in. */
  created_at: string;
  /** ISO 8601: the session's latest sign-in or token refresh. */
  last_seen_at: string;
  /** ISO 8601: when it ends unless refreshed. */
  expires_at: string;
  /** The browser's User-Agent at sign-in, as sent (null when none). */
  user_agent: string | null;
  /** The client address at sign-in (null when unknown). */
  ip: string | null;
  /** The session this request was made with. */
  is_current: boolean;
}

export interface SessionListResponse {
  /** Newest activity first. */
  items: SessionSummary[];
}

/** Name of the httpOnly cookie carrying the access token (EventSource and <img> send no headers). */
export const accessCookieName = 'atelier_access';
/** Name of the httpOnly cookie carrying the refresh token (path-scoped to /api/auth). */
export const refreshCookieName = 'atelier_refresh';

/**
 * The cookie names of a request: over https they carry the prefixes browsers enforce, `__Host-` for the
 * access cookie (Secure, Path=/, no Domain: no other host or plain-http page can set or shadow it) and
 * `__Secure-` for the refresh cookie (Secure; it keeps Path=/api/auth, which `__Host-` forbids, so it is
 * sent to the auth routes only). Over plain http (LAN installs) the bare names, as browsers refuse
 * prefixed cookies there.
 */
export function authCookieNames(secure: boolean): { access: string; refresh: string } {
  return secure
    ? { access: `__Host-${accessCookieName}`, refresh: `__Secure-${refreshCookieName}` }
    : { access: accessCookieName, refresh: refreshCookieName };
}
