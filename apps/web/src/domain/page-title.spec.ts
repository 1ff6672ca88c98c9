import { describe, expect, it } from 'vitest';
import { titleWith, titleWithout } from './page-title';

describe('titleWith', () => {
  it('puts the unseen count in front, and nothing when there is none', () => {
    expect(titleWith('Generate · Atelier', 0)).toBe('Generate · Atelier');
    expect(titleWith('Generate · Atelier', 1)).toBe('(1) Generate · Atelier');
    expect(titleWith('Queue · Atelier', 12)).toBe('(12) Queue · Atelier');
  });

  it('replaces a count rather than stacking a second one', () => {
    expect(titleWith(titleWithout('(3) Gallery · Atelier'), 4)).toBe('(4) Gallery · Atelier');
    expect(titleWithout('Gallery · Atelier')).toBe('Gallery · Atelier');
    // Only a leading count: a title that mentions a number in brackets keeps it.
    expect(titleWithout('Sweep (2) · Atelier')).toBe('Sweep (2) · Atelier');
  });
});
