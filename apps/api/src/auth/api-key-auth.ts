import { apiKeyHeader, apiKeyPrefix, authCookieNames } from '@atelier/contract';
import type { Request } from 'express';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const bearerPattern = /^Bearer\s+(\S+)$/i;

/** What a request presents, as far as API keys go. */
export type PresentedKey =
  | { kind: 'key'; secret: string }
  /** A key where only session tokens belong (a cookie): refused, so a key never works from a browser's jar. */
  | { kind: 'misplaced' }
  | { kind: 'none' };

/**
 * `X-Api-Key: atl_…` (judged by that header alone, whatever else is sent) or `Authorization: Bearer atl_…`.
 * A cookie holding a key is a misplaced key, never a credential.
 */
export function presentedApiKey(request: Request): PresentedKey {
  const header = request.headers[apiKeyHeader];
  if (header !== undefined) {
    const value = Array.isArray(header) ? header.join(',') : header.trim();
    return { kind: 'key', secret: value };
  }
  const bearer = bearerPattern.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined)
    return bearer.startsWith(apiKeyPrefix) ? { kind: 'key', secret: bearer } : { kind: 'none' };
  if (request.headers.authorization === undefined && cookieHoldsKey(request)) return { kind: 'misplaced' };
  return { kind: 'none' };
}

/** Cookie-less by construction: a browser sends a custom header cross-site only after a CORS preflight we never grant. */
export function isApiKeyRequest(request: Request): boolean {
  return request.headers[apiKeyHeader] !== undefined;
}

function cookieHoldsKey(request: Request): boolean {
  const cookies = (request.cookies ?? {}) as Record<string, unknown>;
  return [authCookieNames(false), authCookieNames(true)].some((names) => {
    const value = cookies[names.access];
    return typeof value === 'string' && value.startsWith(apiKeyPrefix);
  });
}

/** A new secret: `atl_` and 32 random bytes in base64url (256 bits), with its stored hash and visible prefix. */
export function newApiKeySecret(): { secret: string; hash: string; prefix: string } {
  const secret = `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, apiKeyPrefix.length + 8) };
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time, on equal-length digests (the lookup already matched by index; this is belt and braces). */
export function sameKeyHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
