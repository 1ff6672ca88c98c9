import type { AuthUser, CreateUserRequest, UpdateUserRequest, UserSummary } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import type { AppEventMap, EventActor } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { AppError } from '../common/app-error.js';
import { PasswordHasher } from './password-hasher.js';
import type { UserEntity } from './user.entity.js';
import { UsersRepository } from './users.repository.js';

/** A user who may sign in, with whether an admin's reset obliges them to change their password first. */
export interface ActiveUser extends AuthUser {
  mustChangePassword: boolean;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly bus: EventBus,
  ) {}

  async list(): Promise<UserSummary[]> {
    return (await this.users.list()).map(toSummary);
  }

  /** `by`: the admin creating the user (null at first start), told to the bus's `user.created`. */
  async create(request: CreateUserRequest, by: EventActor | null = null): Promise<UserSummary> {
    const created = await this.users.insert({
      username: request.username,
      passwordHash: await this.hasher.hash(request.password),
      role: request.role,
    });
    if (!created) throw new AppError('users.username_taken', `The username "${request.username}" is taken`);
    this.logger.log({ userId: created.id, role: created.role }, 'User created');
    await this.bus.publish('user.created', {
      actor: by,
      user: { id: created.id, username: created.username, role: created.role },
    });
    return toSummary(created);
  }

  /** Changes role and/or disabled flag; refuses to leave the instance without an enabled admin. */
  async update(id: number, changes: UpdateUserRequest, by: EventActor | null = null): Promise<UserSummary> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('users.not_found', `No user with id ${id}`);

    const isActiveAdmin = user.role === 'admin' && !user.disabled;
    const willBeActiveAdmin = (changes.role ?? user.role) === 'admin' && !(changes.disabled ?? user.disabled);
    const removesAnAdmin = isActiveAdmin && !willBeActiveAdmin;

    if (changes.role !== undefined || changes.disabled !== undefined) {
      const applied = await this.users.update(id, changes, removesAnAdmin);
      if (!applied) {
        throw new AppError('users.last_admin', 'This is the last enabled admin: promote another user first');
      }
    }
    // Awaited: the answer to "disable this user" comes after their sessions have ended.
    if (changes.disabled === true && !user.disabled) await this.bus.publish('user.disabled', { userId: id });
    const updated = await this.users.findById(id);
    if (!updated) throw new AppError('users.not_found', `No user with id ${id}`);
    this.logger.log({ userId: id, role: updated.role, disabled: updated.disabled }, 'User updated');
    const moved: AppEventMap['user.updated']['changes'] = {};
    if (updated.role !== user.role) moved.role = { from: user.role, to: updated.role };
    if (updated.disabled !== user.disabled) moved.disabled = { from: user.disabled, to: updated.disabled };
    if (moved.role || moved.disabled) {
      await this.bus.publish('user.updated', {
        actor: by,
        user: { id, username: updated.username },
        changes: moved,
      });
    }
    return toSummary(updated);
  }

  /** The user a token belongs to, or null when they no longer exist or are disabled. */
  async findActive(id: number): Promise<ActiveUser | null> {
    return this.users.findEnabled(id);
  }

  /**
   * The user these credentials belong to, or null. Always runs one password verification, against
   * a dummy hash for unknown or disabled users, so the answer takes the same time either way.
   * Throws 503 `auth.busy` when too many hashes are waiting, or `signal`'s reason if it aborts first.
   */
  async verifyCredentials(
    username: string,
    password: string,
    signal?: AbortSignal,
  ): Promise<ActiveUser | null> {
    // Refused before the lookup, not after: on Postgres the lookup is a round trip, during which a
    // sign-in past a full queue would hold its throttle reservation and crowd out the others with 429s.
    this.hasher.assertRoom();
    const user = await this.users.findByUsername(username);
    const usable = user && !user.disabled ? user : null;
    const matches = await this.hasher.verifyOrWaste(usable?.passwordHash ?? null, password, signal);
    return usable && matches ? toAuthUser(usable) : null;
  }

  /** Whether this is the active user's current password (one argon2 verification either way). */
  async verifyPassword(id: number, password: string): Promise<boolean> {
    const user = await this.users.findById(id);
    const usable = user && !user.disabled ? user : null;
    return this.hasher.verifyOrWaste(usable?.passwordHash ?? null, password);
  }

  /**
   * Sets a new password. `mustChange`: an admin's reset, the user must choose their own at next
   * sign-in; false when the user chose it. Ending the user's sessions is the caller's part.
   */
  async setPassword(id: number, password: string, mustChange: boolean): Promise<UserSummary> {
    const applied = await this.users.setPassword(id, await this.hasher.hash(password), mustChange);
    const updated = applied ? await this.users.findById(id) : null;
    if (!updated) throw new AppError('users.not_found', `No user with id ${id}`);
    this.logger.log({ userId: id, mustChange }, mustChange ? 'Password reset' : 'Password changed');
    return toSummary(updated);
  }

  /** Creates the first admin when there are no users at all; returns null when users exist. */
  async createFirstAdmin(username: string, password: string): Promise<UserSummary | null> {
    if ((await this.users.count()) > 0) return null;
    return this.create({ username, password, role: 'admin' });
  }
}

function toAuthUser(user: UserEntity): ActiveUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    mustChangePassword: user.mustChangePassword,
  };
}

function toSummary(user: UserEntity): UserSummary {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    must_change_password: user.mustChangePassword,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
