import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';

const ALLOWED_BEFORE_PASSWORD_CHANGE_KEY = 'atelier:allowedBeforePasswordChange';

/** Marks the few routes a user whose password an admin reset may use: me, change password (auth/ only). */
export const AllowedBeforePasswordChange = () => SetMetadata(ALLOWED_BEFORE_PASSWORD_CHANGE_KEY, true);

/**
 * Global, after authentication: after an admin's reset, the user must choose their own password
 * (POST /api/auth/password) before anything else; every other authenticated route answers 403
 * `auth.password_change_required`. Public routes (login, refresh, logout) have no user and pass.
 */
@Injectable()
export class PasswordChangeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<Request>().user;
    if (!user?.mustChangePassword) return true;
    const allowed = this.reflector.getAllAndOverride<boolean | undefined>(
      ALLOWED_BEFORE_PASSWORD_CHANGE_KEY,
      [context.getHandler(), context.getClass()],
    );
    if (allowed) return true;
    throw new AppError(
      'auth.password_change_required',
      'An admin reset your password: choose a new one (POST /api/auth/password) first',
    );
  }
}
