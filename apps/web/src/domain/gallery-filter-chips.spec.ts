import { describe, expect, it } from 'vitest';
import { activeFilters, filterChips, withFilter, withoutChip } from './gallery-filter-chips';

describe('filter chips', () => {
  it('shows the filters of the text, then those given as parameters, in the query syntax', () => {
    const chips = filterChips({
      q: 'red lighthouse model:sdxl tag:client-a',
      sampler: 'euler',
      min_rating: 4,
    });
    expect(chips).toEqual([
      { filter: 'checkpoint', label: 'model:sdxl', source: 'query' },
      { filter: 'tag', label: 'tag:client-a', source: 'query' },
      { filter: 'sampler', label: 'sampler:euler', source: 'param' },
      { filter: 'min_rating', label: 'rating>=4', source: 'param' },
    ]);
  });

  it('removes a chip from the search text, keeping the words', () => {
    const search = { q: '"red lighthouse" model:sdxl -blurry', sort: 'oldest' as const };
    const [chip] = filterChips(search);
    expect(withoutChip(search, chip!)).toEqual({ q: '"red lighthouse" -blurry', sort: 'oldest' });
  });

  it('removes a parameter chip, and the text when nothing is left of it', () => {
    const search = { q: 'tag:x', tag: 'x', owner: 'ada' };
    const chips = filterChips(search);
    expect(chips.map((c) => c.label)).toEqual(['tag:x', 'owner:ada']);
    expect(withoutChip(search, chips[1]!)).toEqual({ q: 'tag:x', tag: 'x' });
    expect(withoutChip(search, chips[0]!)).toEqual({ owner: 'ada' });
  });

  it('adds a facet’s value to the text, quoted when it needs to be, replacing that filter', () => {
    expect(withFilter({ q: 'cat model:old' }, 'checkpoint', 'sd xl.safetensors')).toEqual({
      q: 'cat model:"sd xl.safetensors"',
    });
    expect(withFilter({ lora: 'a', sort: 'rating' }, 'lora', 'detail')).toEqual({
      q: 'lora:detail',
      sort: 'rating',
    });
  });

  it('knows every filter in force, the text winning a disagreement', () => {
    expect(activeFilters({ q: 'model:a', checkpoint: 'b', tag: 't' })).toEqual({ checkpoint: 'a', tag: 't' });
  });
});
