import { describe, expect, it } from 'vitest';
import { expiryOf, hasExpired } from './api-key-expiry';

describe('API key expiry', () => {
  const now = new Date('2026-12-05T10:00:00.000Z');

  it('never means no expiry; days count from now', () => {
    expect(expiryOf('never', now)).toBeNull();
    expect(expiryOf('30', now)).toBe('2027-01-04T10:00:00.000Z');
    expect(expiryOf('7', now)).toBe('2026-12-12T10:00:00.000Z');
  });

  it('a key has expired once its instant has passed', () => {
    expect(hasExpired(null, now)).toBe(false);
    expect(hasExpired('2026-12-05T09:59:59.000Z', now)).toBe(true);
    expect(hasExpired('2026-12-05T10:00:01.000Z', now)).toBe(false);
  });
});
