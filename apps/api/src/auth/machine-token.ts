import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { MACHINE_TOKEN_KEY, type MachineTokenName } from '../common/auth.decorators.js';
import { AppConfig } from '../config/app-config.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how Express's Request is augmented
  namespace Express {
    interface Request {
      /** Set by JwtAuthGuard when a machine token (not a user) was admitted on a @MachineToken() route. */
      machine?: MachineTokenName;
    }
  }
}

const bearerPattern = /^Bearer\s+(\S+)$/i;

/**
 * The configured tokens of machines (@MachineToken routes). Compared as SHA-256 digests with
 * timingSafeEqual: equal lengths whatever was sent, so neither the length nor a prefix leaks.
 */
@Injectable()
export class MachineTokens {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  /** True (and `request.machine` set) when the route takes a machine token and the request carries it. */
  admits(context: ExecutionContext, request: Request): boolean {
    const name = this.reflector.getAllAndOverride<MachineTokenName | undefined>(MACHINE_TOKEN_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!name) return false;
    const expected = this.tokenOf(name);
    const presented = bearerPattern.exec(request.headers.authorization ?? '')?.[1];
    if (expected === null || presented === undefined || !sameSecret(presented, expected)) return false;
    request.machine = name;
    return true;
  }

  private tokenOf(name: MachineTokenName): string | null {
    switch (name) {
      case 'metrics':
        return this.config.metrics.token;
    }
  }
}

function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
