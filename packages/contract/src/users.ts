import type { Role } from './auth.js';

export interface UserSummary {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
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
export const passwordMinLength = 8;
/** Bounded so a huge password cannot make hashing a denial of service. */
export const passwordMaxLength = 256;
