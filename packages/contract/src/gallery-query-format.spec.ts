import { describe, expect, it } from 'vitest';
import {
  formatGalleryQuery,
  formatGalleryQueryValue,
  mergeGalleryFilters,
  parseGalleryQuery,
  type GalleryTextTerm,
} from './index.js';

const term = (value: string, more: Partial<GalleryTextTerm> = {}): GalleryTextTerm => ({
  kind: 'word',
  value,
  negated: false,
  field: 'text',
  ...more,
});

describe('formatGalleryQuery', () => {
  const canonical: [string, string][] = [
    [
      '"red lighthouse" model:sdxl lora:detail seed:42 tag:client-a -blurry',
      '"red lighthouse" -blurry model:sdxl lora:detail seed:42 tag:client-a',
    ],
    ['by:@Alice ckpt:"sd xl" stars:4 Light* NEG:Blur', 'light* neg:blur model:"sd xl" owner:Alice rating>=4'],
    [
      '-has:workflow aspect:SQUARE status:pending board:3',
      'board:3 status:pending aspect:square -has:workflow',
    ],
    [
      'before:2026-12-31 after:2026-01-01t10:00z size:512X768',
      'from:2026-01-01T10:00Z to:2026-12-31 size:512x768',
    ],
    ['sampler:euler -neg:"bad hands" --x', '-neg:"bad hands" --x sampler:euler'],
    ['model:":odd" tag:a:b', 'model:":odd" tag:a:b'],
    ['', ''],
  ];
  it.each(canonical)('writes %j as %j', (input, written) => {
    expect(formatGalleryQuery(parseGalleryQuery(input))).toBe(written);
  });

  it('writes hand-built terms that cannot be bare as phrases, and drops empty ones', () => {
    const terms = [
      term('red house'),
      term('say "hi"', { kind: 'prefix' }),
      term('-x'),
      term('model:x'),
      term('>=x', { field: 'negative' }),
      term('""'),
      term('   '),
    ];
    expect(formatGalleryQuery({ terms, filters: {} })).toBe('"red house" "say hi" "-x" "model:x" neg:">=x"');
  });

  it('quotes filter values that need it and drops quote characters', () => {
    expect(
      formatGalleryQuery({ terms: [], filters: { checkpoint: 'a "b" c', lora: '=x', sampler: '' } }),
    ).toBe('model:"a b c" lora:"=x" sampler:""');
    expect(formatGalleryQueryValue('sd xl')).toBe('"sd xl"');
    expect(formatGalleryQueryValue('sdxl')).toBe('sdxl');
    expect(formatGalleryQueryValue('\u201Cx\u201D')).toBe('x');
  });
});

/** A small seeded generator, so a failure names a query that can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces of valid and invalid syntax, glued with and without spaces.
const pieces = [
  'red',
  'Lighthouse',
  'light*',
  '"red house"',
  '\u201Ccurly phrase\u201D',
  '"unclosed',
  '-',
  '-blurry',
  '--x',
  '*',
  '""',
  'neg:',
  'neg:blur*',
  '-neg:"bad hands"',
  'model:',
  'ckpt:"sd xl"',
  'lora:detail',
  'sampler:euler',
  'seed:',
  '42',
  'tag:Client',
  'by:@bob',
  'from:2026-01-',
  '31',
  'to:2026-12-31T10:00Z',
  'rating>=',
  '4',
  'stars:',
  'board:7',
  'status:approved',
  'size:512x',
  '768',
  'aspect:square',
  'has:workflow',
  '-has:workflow',
  'foo:',
  ':',
  '=',
  '>',
  '\uFF4D\uFF4F\uFF44\uFF45\uFF4C\uFF1A',
  '\u00C9t\u00E9',
  'e\u0301',
  '\uD83C\uDFA8',
  '\u706F\u53F0',
  '\u00A8',
  'a=b',
  '12:30',
];
const separators = [' ', ' ', ' ', '', '\t', '\u3000'];

describe('formatGalleryQuery ∘ parseGalleryQuery', () => {
  it('parses back to the same terms and filters, and is stable (2,000 generated queries)', () => {
    const next = generator(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = 1 + Math.floor(next() * 12);
      for (let i = 0; i < length; i++) text += pick(pieces) + pick(separators);
      const parsed = parseGalleryQuery(text);
      const written = formatGalleryQuery(parsed);
      const again = parseGalleryQuery(written);
      expect({ text, terms: again.terms, filters: again.filters }).toEqual({
        text,
        terms: parsed.terms,
        filters: parsed.filters,
      });
      expect(again.problems).toEqual([]);
      expect(formatGalleryQuery(again)).toBe(written);
    }
  });
});

describe('mergeGalleryFilters', () => {
  it('combines filters given either way', () => {
    expect(mergeGalleryFilters({ checkpoint: 'sdxl', seed: 0 }, { tag: 'a', min_rating: 3 })).toEqual({
      filters: { checkpoint: 'sdxl', seed: 0, tag: 'a', min_rating: 3 },
      conflicts: [],
    });
  });

  it('accepts the same value twice', () => {
    expect(mergeGalleryFilters({ has_workflow: false }, { has_workflow: false }).conflicts).toEqual([]);
  });

  it('reports a different value for the same filter, and keeps the one from q', () => {
    const { filters, conflicts } = mergeGalleryFilters(
      { checkpoint: 'sdxl', has_workflow: true },
      { checkpoint: 'flux', has_workflow: false, owner: 'bob' },
    );
    expect(filters).toEqual({ checkpoint: 'sdxl', has_workflow: true, owner: 'bob' });
    expect(conflicts).toEqual([
      {
        filter: 'checkpoint',
        fromQuery: 'sdxl',
        fromParams: 'flux',
        message: 'model:sdxl in the search and checkpoint=flux disagree',
      },
      {
        filter: 'has_workflow',
        fromQuery: true,
        fromParams: false,
        message: 'has:workflow in the search and has_workflow=false disagree',
      },
    ]);
  });

  it('reads only the filters of a whole search query', () => {
    const params = { q: 'x', sort: 'rating', cursor: 'c', limit: 5, board: 2 } as Parameters<
      typeof mergeGalleryFilters
    >[1];
    expect(mergeGalleryFilters({}, params).filters).toEqual({ board: 2 });
  });
});
