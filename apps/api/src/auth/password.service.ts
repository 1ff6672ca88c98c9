import type { UserSummary } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import type { EventActor } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { UsersService } from '../users/users.service.js';
import { toLoginResponse, type AuthenticatedUser, type SignedIn } from './auth.service.js';
import { LoginThrottle } from './login-throttle.js';
import { SessionsService, type SessionClient } from './sessions.service.js';

/** Password changes: by the user themselves (current password required) and resets by an admin. */
@Injectable()
export class PasswordService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly bus: EventBus,
  ) {}

  /**
   * Changes the caller's own password. Every session of theirs ends, this one included, and a new
   * one starts: the answer carries its tokens (and sets its cookies), so the caller stays signed in.
   * The current password is checked under the sign-in limits of the account, like a login.
   */
  async change(
    user: AuthenticatedUser,
    current: string,
    next: string,
    ip: string,
    client: SessionClient,
  ): Promise<SignedIn> {
    const matches = await this.throttle.verify(ip, user.username, () =>
      this.users.verifyPassword(user.id, current),
    );
    if (!matches) {
      throw new AppError('auth.wrong_password', 'The current password is wrong', {
        current_password: ['current_password is wrong'],
      });
    }
    if (next === current) {
      throw new AppError('validation_failed', 'Choose a password other than the current one', {
        new_password: ['new_password must differ from the current password'],
      });
    }
    await this.users.setPassword(user.id, next, false);
    await this.sessions.endAllOf(user.id);
    const changed = { ...user, mustChangePassword: false };
    const tokens = await this.sessions.start(changed, client);
    return { response: toLoginResponse(changed, tokens), tokens };
  }

  /** An admin sets a temporary password: the user's sessions end and they must change it at next sign-in. */
  async reset(userId: number, password: string, by: EventActor): Promise<UserSummary> {
    const summary = await this.users.setPassword(userId, password, true);
    await this.sessions.endAllOf(userId);
    await this.bus.publish('user.password_reset', {
      actor: by,
      user: { id: summary.id, username: summary.username },
    });
    return summary;
  }
}
