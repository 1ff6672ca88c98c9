import type { Request } from 'express';
import type { SessionClient } from './sessions.service.js';

/** The browser and address a sign-in comes from (the address as `trust proxy` resolves it). */
export function sessionClientOf(request: Request): SessionClient {
  const userAgent = request.get('user-agent');
  return { userAgent: userAgent ? userAgent : null, ip: request.ip ?? null };
}
