import { describe, expect, it } from 'vitest';
import { shareExpiresAt, shareExpiryLabel } from './share-expiry';

describe('share expiry', () => {
  it('is null for never, and whole days from now otherwise', () => {
    const now = new Date('2026-12-05T10:00:00.000Z');
    expect(shareExpiresAt(0, now)).toBeNull();
    expect(shareExpiresAt(7, now)).toBe('2026-12-12T10:00:00.000Z');
    expect([shareExpiryLabel(0), shareExpiryLabel(1), shareExpiryLabel(30)]).toEqual([
      'Never',
      'In 1 day',
      'In 30 days',
    ]);
  });
});
