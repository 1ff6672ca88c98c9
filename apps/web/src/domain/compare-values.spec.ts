import { describe, expect, it } from 'vitest';
import { comparisonRows, formatCompared } from './compare-values';

describe('what varies', () => {
  it('lists shared and differing parameters in display order, with readable values', () => {
    const rows = comparisonRows({
      ids: [1, 2],
      shared: { sampler: 'euler', checkpoint: 'sdxl', negative: null },
      varies: { seed: [1, 2], loras: [[{ name: 'detail', weight: 0.8 }], []] },
    });
    expect(rows.shared).toEqual([
      { param: 'negative', label: 'Negative prompt', value: '—' },
      { param: 'checkpoint', label: 'Model', value: 'sdxl' },
      { param: 'sampler', label: 'Sampler', value: 'euler' },
    ]);
    expect(rows.varies).toEqual([
      { param: 'loras', label: 'LoRAs', values: ['detail:0.8', '—'] },
      { param: 'seed', label: 'Seed', values: ['1', '2'] },
    ]);
  });

  it('writes any value it is given as text, never throwing', () => {
    expect(formatCompared(['a', 'b'])).toBe('a, b');
    expect(formatCompared({ username: 'ada' })).toBe('ada');
    expect(formatCompared({ odd: 1 })).toBe('{"odd":1}');
    expect(formatCompared(7.5)).toBe('7.5');
    expect(formatCompared(undefined)).toBe('—');
  });
});
