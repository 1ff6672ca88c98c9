import { describe, expect, it } from 'vitest';
import { estimateStretches, estimateTotal, exactCountLimit } from './count-estimate.js';

describe('count estimate', () => {
  it('reads stretches spread over the older ids, inside the gallery, none with text', () => {
    const matches = { newest: 1_000_000, last: 999_001, found: exactCountLimit + 1, lowest: 1, text: false };
    const stretches = estimateStretches(matches);
    expect(stretches).toHaveLength(4);
    for (const { low, high } of stretches) {
      expect(low).toBeGreaterThanOrEqual(1);
      expect(high).toBeLessThan(matches.last);
      expect(high).toBeGreaterThanOrEqual(low);
    }
    expect(estimateStretches({ ...matches, text: true })).toEqual([]);
  });

  it('scales an even density to the whole range, and counts a clustered one lower', () => {
    // One match in 4 ids among the newest, and as dense everywhere: a quarter of the gallery.
    const matches = { newest: 100_000, last: 100_000 - 4 * 250 + 1, found: 251, lowest: 1, text: false };
    const stretches = estimateStretches(matches);
    const even = stretches.map(({ low, high }) => Math.round((high - low + 1) / 4));
    // Within 1 % of a quarter of 100,000.
    expect(Math.abs(estimateTotal(matches, stretches, even) - 25_000)).toBeLessThan(250);
    // Nothing in the older stretches: the newest week's tag.
    const clustered = estimateTotal(
      matches,
      stretches,
      stretches.map(() => 0),
    );
    expect(clustered).toBeLessThan(25_000 / 4);
    expect(clustered).toBeGreaterThanOrEqual(matches.found);
  });

  it('never says fewer than were found', () => {
    const matches = { newest: 300, last: 50, found: 251, lowest: 1, text: true };
    expect(estimateTotal(matches, [], [])).toBeGreaterThanOrEqual(251);
  });
});
