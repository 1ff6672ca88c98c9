import { describe, expect, it } from 'vitest';
import { sharePageStateOf } from './share-page';

describe('sharePageStateOf', () => {
  it('tells a locked, an expired and a missing link apart, and never reveals a revoked one', () => {
    expect(sharePageStateOf('share.password_required')).toBe('locked');
    expect(sharePageStateOf('share.expired')).toBe('expired');
    expect(sharePageStateOf('share.not_found')).toBe('missing');
    expect(sharePageStateOf('rate_limited')).toBe('busy');
    expect(sharePageStateOf('network')).toBe('failed');
  });
});
