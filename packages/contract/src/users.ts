import type { Role } from './auth.js';

export interface UserSummary {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  /** Set by an admin's password reset: the user must choose a new password before anything else. */
  must_change_password: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreateUserRequest {
  username: string;
  password: string;
  role: Role;
}

export interface UpdateUserRequest {
  role?: Role;
  disabled?: boolean;
}

/** Usernames: 3–64 characters, letters, digits, `_`, `.`, `-`, starting with a letter or digit. */
export const usernamePattern = '^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$';
/** For every new password (created, changed or reset); older, shorter passwords still sign in. */
export const passwordMinLength = 12;
/** Bounded so a huge password cannot make hashing a denial of service. */
export const passwordMaxLength = 256;

/** POST /api/auth/password: change one's own password. Answers a fresh LoginResponse (other sessions end). */
export interface ChangePasswordRequest {
  current_password: string;
  new_password: string;
}

/** POST /api/admin/users/:id/password: a new temporary password the user must change at next sign-in. */
export interface ResetPasswordRequest {
  password: string;
}
