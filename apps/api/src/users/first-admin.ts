import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { UsersService } from './users.service.js';

/**
 * On the first start (no users at all) creates the admin from ATELIER_ADMIN_USERNAME /
 * ATELIER_ADMIN_PASSWORD. Without a password one is generated and printed once, straight to
 * stdout: the logger would (rightly) redact it.
 */
@Injectable()
export class FirstAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstAdmin.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { username, password } = this.config.auth.firstAdmin;
    const chosen = password ?? randomBytes(18).toString('base64url');
    const admin = await this.users.createFirstAdmin(username, chosen);
    if (!admin) return;
    if (password) {
      this.logger.log(
        { username },
        'Created the first admin from ATELIER_ADMIN_USERNAME/ATELIER_ADMIN_PASSWORD',
      );
      return;
    }
    const rule = '='.repeat(64);
    process.stdout.write(
      [
        '',
        rule,
        '  Atelier: first start. An admin account was created:',
        `    username: ${username}`,
        `    password: ${chosen}`,
        '  This password is shown only once. Sign in and keep it safe.',
        rule,
        '',
        '',
      ].join('\n'),
    );
  }
}
