import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes (256 bits) in base64url: 43 characters, safe in a path segment. */
export function newShareToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the table keeps instead of the token. */
export function shareTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Anything else cannot be a token of ours: refused before it reaches the database. */
export function isShareTokenShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export const shareUnlockCookie = 'atelier_share';
/** How long an unlocked link stays open in a browser before the password is asked again. */
export const shareUnlockTtlS = 60 * 60;

/**
 * The unlock cookie's value: its expiry and an HMAC keyed by the password's hash, so it needs no
 * server secret, holds on every instance, and a new password invalidates every open unlock.
 */
export function unlockValue(shareId: number, passwordHash: string, expiresAtS: number): string {
  return `${expiresAtS}.${unlockMac(shareId, passwordHash, expiresAtS)}`;
}

export function isValidUnlock(
  value: unknown,
  shareId: number,
  passwordHash: string,
  nowS = Date.now() / 1000,
): boolean {
  if (typeof value !== 'string') return false;
  const [expiry, mac] = value.split('.');
  const expiresAtS = Number(expiry);
  if (!mac || !Number.isSafeInteger(expiresAtS) || expiresAtS <= nowS) return false;
  const expected = Buffer.from(unlockMac(shareId, passwordHash, expiresAtS));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function unlockMac(shareId: number, passwordHash: string, expiresAtS: number): string {
  return createHmac('sha256', passwordHash)
    .update(`share-unlock.${shareId}.${expiresAtS}`)
    .digest('base64url');
}
