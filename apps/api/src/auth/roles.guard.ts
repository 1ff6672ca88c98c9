import { roleAtLeast, type AuthUser, type Role } from '@atelier/contract';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { REQUIRED_ROLE_KEY } from '../common/auth.decorators.js';

/** Global, after JwtAuthGuard: enforces @Roles(); roles nest, so an admin passes a curator route. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const request = context.switchToHttp().getRequest<Request>();
    // A machine token only ever opens the route that declared it (JwtAuthGuard checked that).
    if (request.machine) return true;
    const user = request.user as AuthUser | undefined;
    if (!user) throw new AppError('auth.unauthenticated', 'Sign in to use this endpoint');
    if (!roleAtLeast(user.role, required)) {
      throw new AppError('auth.forbidden', `This needs the ${required} role`);
    }
    return true;
  }
}
