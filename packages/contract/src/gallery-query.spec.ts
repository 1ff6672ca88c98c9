import { describe, expect, it } from 'vitest';
import { parseGalleryQuery, type GalleryQueryFilters, type GalleryTextTerm } from './index.js';

const word = (value: string, more: Partial<GalleryTextTerm> = {}): GalleryTextTerm => ({
  kind: 'word',
  value,
  negated: false,
  field: 'text',
  ...more,
});
const prefix = (value: string, more: Partial<GalleryTextTerm> = {}) =>
  word(value, { kind: 'prefix', ...more });
const phrase = (value: string, more: Partial<GalleryTextTerm> = {}) =>
  word(value, { kind: 'phrase', ...more });

describe('parseGalleryQuery: text terms', () => {
  const cases: [string, GalleryTextTerm[]][] = [
    ['lighthouse', [word('lighthouse')]],
    ['Red LIGHTHOUSE', [word('red'), word('lighthouse')]],
    ['light*', [prefix('light')]],
    ['light***', [prefix('light')]],
    ['"Red  Lighthouse"', [phrase('red lighthouse')]],
    ['\u201Cred lighthouse\u201D', [phrase('red lighthouse')]],
    ['\u201Ered lighthouse\u201C', [phrase('red lighthouse')]],
    ['"red lighthouse', [phrase('red lighthouse')]],
    ['"red" "light" house', [phrase('red'), phrase('light'), word('house')]],
    ['"foo"bar', [phrase('foo'), word('bar')]],
    ['foo"bar baz"', [word('foo'), phrase('bar baz')]],
    ['-blurry', [word('blurry', { negated: true })]],
    ['-"bad hands"', [phrase('bad hands', { negated: true })]],
    ['-light*', [prefix('light', { negated: true })]],
    ['--foo', [word('-foo', { negated: true })]],
    ['a-b client-a', [word('a-b'), word('client-a')]],
    ['neg:blurry', [word('blurry', { field: 'negative' })]],
    ['NEG:Blur*', [prefix('blur', { field: 'negative' })]],
    ['neg:"bad hands"', [phrase('bad hands', { field: 'negative' })]],
    ['-neg:watermark', [word('watermark', { field: 'negative', negated: true })]],
    ['neg:model:x', [word('model:x', { field: 'negative' })]],
    ['12:30 a=b (red:1.2)', [word('12:30'), word('a=b'), word('(red:1.2)')]],
    ['fo*o', [word('fo*o')]],
    ['- * "" -* ** "  " neg: -"!"', []],
    ['  \t lighthouse \n ', [word('lighthouse')]],
  ];
  it.each(cases)('%j', (input, terms) => {
    const parsed = parseGalleryQuery(input);
    expect(parsed.terms).toEqual(terms);
    expect(parsed.filters).toEqual({});
    expect(parsed.problems).toEqual([]);
  });
});

describe('parseGalleryQuery: unicode', () => {
  const cases: [string, GalleryTextTerm[]][] = [
    ['\uFF2C\uFF29\uFF27\uFF28\uFF34', [word('light')]], // fullwidth LIGHT
    ['Caf\u00E9 Cafe\u0301', [word('caf\u00E9'), word('caf\u00E9')]], // composed and decomposed
    ['\uFB01re', [word('fire')]], // the fi ligature
    ['\u00C9CLAIR', [word('\u00E9clair')]],
    [
      '\u706F\u53F0 \u201C\u8D64\u3044\u00A0\u706F\u53F0\u201D',
      [word('\u706F\u53F0'), phrase('\u8D64\u3044 \u706F\u53F0')],
    ],
    ['red\u3000house', [word('red'), word('house')]], // the ideographic space separates
    ['\uD83C\uDFA8 art', [word('art')]], // an emoji alone has no letters
    ['\uFF02red house\uFF02', [phrase('red house')]], // fullwidth quotes
    ['\uFF0Dblurry', [word('blurry', { negated: true })]], // fullwidth minus
  ];
  it.each(cases)('%j', (input, terms) => {
    expect(parseGalleryQuery(input).terms).toEqual(terms);
  });
});

describe('parseGalleryQuery: filters', () => {
  const cases: [string, GalleryQueryFilters][] = [
    ['model:sdxl', { checkpoint: 'sdxl' }],
    ['checkpoint:sdxl', { checkpoint: 'sdxl' }],
    ['ckpt:SDXL_base.safetensors', { checkpoint: 'SDXL_base.safetensors' }],
    ['MODEL:sdxl', { checkpoint: 'sdxl' }],
    ['model:"sd xl  base"', { checkpoint: 'sd xl base' }],
    ['model:\u201Csd xl\u201D', { checkpoint: 'sd xl' }],
    ['model:"sd xl', { checkpoint: 'sd xl' }],
    ['model:sd:xl', { checkpoint: 'sd:xl' }],
    ['\uFF4D\uFF4F\uFF44\uFF45\uFF4C\uFF1A\uFF53\uFF44\uFF58\uFF4C', { checkpoint: 'sdxl' }],
    ['lora:detail', { lora: 'detail' }],
    ['sampler:euler_a', { sampler: 'euler_a' }],
    ['seed:42', { seed: 42 }],
    ['seed:0', { seed: 0 }],
    ['seed:007', { seed: 7 }],
    ['seed:9007199254740991', { seed: 9007199254740991 }],
    ['tag:client-a', { tag: 'client-a' }],
    ['tag:"Client  A"', { tag: 'client-a' }],
    ['tag:season:2026', { tag: 'season:2026' }],
    ['owner:alice', { owner: 'alice' }],
    ['user:alice', { owner: 'alice' }],
    ['by:@alice', { owner: 'alice' }],
    ['from:2026-01-31', { from: '2026-01-31' }],
    ['after:2024-02-29', { from: '2024-02-29' }],
    ['to:2026-12-31', { to: '2026-12-31' }],
    ['before:2026-12-31', { to: '2026-12-31' }],
    ['from:2026-01-31T18:00Z', { from: '2026-01-31T18:00Z' }],
    ['from:2026-01-31t18:00:05.5+01:00', { from: '2026-01-31T18:00:05.5+01:00' }],
    ['to:2026-01-31T23:59:59', { to: '2026-01-31T23:59:59' }],
    ['rating:4', { min_rating: 4 }],
    ['rating>=4', { min_rating: 4 }],
    ['rating:>=0', { min_rating: 0 }],
    ['stars:5', { min_rating: 5 }],
    ['Stars>=3', { min_rating: 3 }],
    ['board:12', { board: 12 }],
    ['status:Approved', { status: 'approved' }],
    ['status:private status:private', { status: 'private' }],
    ['status:Trashed', { status: 'trashed' }],
    ['size:1024X768', { size: '1024x768' }],
    ['size:0512\u00D70512', { size: '512x512' }],
    ['aspect:Portrait', { aspect: 'portrait' }],
    ['has:workflow', { has_workflow: true }],
    ['HAS:Workflow', { has_workflow: true }],
    ['-has:workflow', { has_workflow: false }],
    ['model:a ckpt:a checkpoint:a', { checkpoint: 'a' }],
  ];
  it.each(cases)('%j', (input, filters) => {
    const parsed = parseGalleryQuery(input);
    expect(parsed.problems).toEqual([]);
    expect(parsed.terms).toEqual([]);
    expect(parsed.filters).toEqual(filters);
  });

  it('reads the example of the issue', () => {
    expect(parseGalleryQuery('"red lighthouse" model:sdxl lora:detail seed:42 tag:client-a -blurry')).toEqual(
      {
        terms: [phrase('red lighthouse'), word('blurry', { negated: true })],
        filters: { checkpoint: 'sdxl', lora: 'detail', seed: 42, tag: 'client-a' },
        problems: [],
      },
    );
  });
});
