import { describe, expect, it } from 'vitest';
import { galleryQueryMaxLength, galleryQueryMaxTerms, parseGalleryQuery } from './index.js';

// [input, a part of the message, start, end]: the span is what the search box underlines.
const cases: [string, string, number, number][] = [
  ['foo:bar', 'unknown filter foo: (known: model, lora, sampler, seed, tag, owner, from, to, rating', 0, 7],
  ['red modle:sdxl', 'unknown filter modle: did you mean model:?', 4, 14],
  ['tga:x', 'did you mean tag:?', 0, 5],
  ['http://example.com', 'unknown filter http:', 0, 18],
  ['-model:sdxl', '-model: is not supported', 0, 11],
  ['-TAG:x', '-tag: is not supported', 0, 6],
  ['seed:abc', 'seed: takes a whole number from 0 to 9007199254740991', 5, 8],
  ['seed:-1', 'seed: takes a whole number', 5, 7],
  ['seed:9007199254740992', 'seed: takes a whole number', 5, 21],
  ['seed:4.5', 'seed: takes a whole number', 5, 8],
  ['seed>=4', 'seed>= is not supported: write it as seed:42', 0, 7],
  ['seed=4', 'seed= is not supported', 0, 6],
  ['rating>4', 'rating> is not supported: write it as rating>=4', 0, 8],
  ['rating:6', 'rating: takes a whole number of stars from 0 to 5', 7, 8],
  ['stars:-1', 'rating: takes a whole number of stars', 6, 8],
  ['neg>=blur', 'neg>= is not supported', 0, 9],
  ['from:2026-02-30', 'from: takes a date (YYYY-MM-DD) or an ISO 8601 time', 5, 15],
  ['from:2025-02-29', 'from: takes a date', 5, 15],
  ['to:2026-13-01', 'to: takes a date', 3, 13],
  ['from:2026-01-01T24:00Z', 'from: takes a date', 5, 22],
  ['from:2026-01-01T10:00+25:00', 'from: takes a date', 5, 27],
  ['from:yesterday', 'from: takes a date', 5, 14],
  ['to:2026-1-1', 'to: takes a date', 3, 11],
  ['status:done', 'status: is one of private, pending, approved, rejected, trashed', 7, 11],
  ['aspect:wide', 'aspect: is one of square, portrait, landscape', 7, 11],
  ['size:1024', 'size: takes WIDTHxHEIGHT', 5, 9],
  ['size:0x512', 'size: takes WIDTHxHEIGHT', 5, 10],
  ['size:100000x1', 'size: takes WIDTHxHEIGHT', 5, 13],
  ['board:0', 'board: takes a board number', 6, 7],
  ['has:tags', 'has: knows only has:workflow', 4, 8],
  ['model: sdxl', 'model: needs a value, e.g. model:sdxl (no space after the colon)', 0, 6],
  ['model:', 'model: needs a value, e.g. model:sdxl', 0, 6],
  ['tag:""', 'tag: needs a value', 0, 6],
  ['model:a model:b', 'model:a and model:b contradict: keep one', 8, 15],
  ['ckpt:a MODEL:b', 'model:a and model:b contradict', 7, 14],
  ['tag:a tag:b', 'one tag: per search for now (tag:a and tag:b)', 6, 11],
  ['lora:a lora:b', 'one lora: per search for now', 7, 13],
  ['has:workflow -has:workflow', 'has:workflow and -has:workflow contradict', 13, 26],
  ['rating:3 stars>=4', 'rating>=3 and rating>=4 contradict', 9, 17],
  ['from:2026-02-01 to:2026-01-31', 'from:2026-02-01 is after to:2026-01-31', 16, 29],
  ['to:2026-01-31T10:00Z from:2026-01-31T11:00Z', 'is after', 21, 43],
  // Offsets count UTF-16 units of the text as typed, before NFKC.
  ['\uD83C\uDFA8 foo:bar', 'unknown filter foo:', 3, 10],
  ['\uFF46\uFF4F\uFF4F\uFF1A\uFF42\uFF41\uFF52', 'unknown filter foo:', 0, 7],
  ['\u00C9 seed:\uFF58', 'seed: takes', 7, 8],
];

describe('parseGalleryQuery: problems', () => {
  it.each(cases)('%j', (input, message, start, end) => {
    const { problems } = parseGalleryQuery(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain(message);
    expect(problems[0]).toMatchObject({ start, end });
  });

  it('applies the rest of the query around a problem', () => {
    expect(parseGalleryQuery('foo:bar lighthouse seed:x model:sdxl -tag:a')).toMatchObject({
      terms: [{ kind: 'word', value: 'lighthouse' }],
      filters: { checkpoint: 'sdxl' },
    });
  });

  it('keeps the first of two contradicting values, and the earlier date bound', () => {
    expect(parseGalleryQuery('model:a model:b').filters).toEqual({ checkpoint: 'a' });
    expect(parseGalleryQuery('from:2026-02-01 to:2026-01-31').filters).toEqual({ from: '2026-02-01' });
    expect(parseGalleryQuery('to:2026-01-31 from:2026-02-01').filters).toEqual({ to: '2026-01-31' });
  });

  it('lets a date range of one day through, `to` as a date covering the whole day', () => {
    expect(parseGalleryQuery('from:2026-01-31 to:2026-01-31').problems).toEqual([]);
    expect(parseGalleryQuery('from:2026-01-31T23:00Z to:2026-01-31').problems).toEqual([]);
    expect(parseGalleryQuery('from:2026-02-01T00:30+01:00 to:2026-01-31').problems).toEqual([]);
    expect(parseGalleryQuery('from:2026-02-01T00:30-01:00 to:2026-01-31').problems).toHaveLength(1);
  });

  it('lists the problems in the order of the text', () => {
    const { problems } = parseGalleryQuery('a:1 b:2 seed:x');
    expect(problems.map((p) => p.start)).toEqual([0, 4, 13]);
  });
});

describe('parseGalleryQuery: limits', () => {
  it(`reads ${galleryQueryMaxLength} characters and reports the rest`, () => {
    const exact = `${'a'.repeat(galleryQueryMaxLength - 6)} b:cde`;
    expect(exact).toHaveLength(galleryQueryMaxLength);
    expect(parseGalleryQuery(exact.replace('b:cde', 'bcdef')).problems).toEqual([]);

    const { problems, terms } = parseGalleryQuery(`${'a'.repeat(galleryQueryMaxLength - 1)} lighthouse`);
    expect(problems).toEqual([
      {
        message: expect.stringContaining(`at most ${galleryQueryMaxLength} characters`),
        start: 1000,
        end: 1010,
      },
    ]);
    expect(terms).toHaveLength(1);
  });

  it('never cuts a surrogate pair in half', () => {
    const { problems, terms } = parseGalleryQuery(`${'a'.repeat(997)} \u4E00\uD83C\uDFA8b`);
    expect(problems[0]).toMatchObject({ start: galleryQueryMaxLength - 1 });
    expect(terms.at(-1)?.value).toBe('\u4E00');
  });

  it(`keeps ${galleryQueryMaxTerms} terms and reports the others as one span`, () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const text = `${words.join(' ')} model:sdxl`;
    const { terms, problems, filters } = parseGalleryQuery(text);
    expect(terms.map((t) => t.value)).toEqual(words.slice(0, galleryQueryMaxTerms));
    expect(filters).toEqual({ checkpoint: 'sdxl' });
    const start = text.indexOf('w32');
    expect(problems).toEqual([
      {
        message: `a search holds at most ${galleryQueryMaxTerms} words and phrases`,
        start,
        end: text.indexOf(' model'),
      },
    ]);
  });

  it('does not count dropped terms (punctuation alone) towards the limit', () => {
    const text = `${'- * '.repeat(40)}${Array.from({ length: galleryQueryMaxTerms }, (_, i) => `w${i}`).join(' ')}`;
    expect(parseGalleryQuery(text).problems).toEqual([]);
  });
});

describe('parseGalleryQuery: hostile input', () => {
  const hostile: [string, string][] = [
    ['quotes', '"'.repeat(1000)],
    ['alternating quotes', '"a'.repeat(500)],
    ['curly quotes', '\u201C\u201D'.repeat(500)],
    ['minus signs', '-'.repeat(1000)],
    ['stars', '*'.repeat(1000)],
    ['colons', ':'.repeat(1000)],
    ['operators', 'rating>=<:'.repeat(100)],
    ['a key that never ends', `${'a'.repeat(999)}:`],
    ['keys', 'a:'.repeat(500)],
    ['known keys', 'model:'.repeat(166)],
    ['negated keys', '-tag:x '.repeat(142)],
    ['an unclosed quote', `model:"${'x '.repeat(496)}`],
    ['spaces', ' \u3000'.repeat(500)],
    ['expanding ligatures', '\uFDFA'.repeat(1000)],
    ['lone surrogates', '\uD83C'.repeat(1000)],
    ['control characters', '\u0000\u0001\u001F'.repeat(333)],
  ];
  it.each(hostile)('%s: answers quickly, within the limits, without throwing', (_name, text) => {
    const started = performance.now();
    const parsed = parseGalleryQuery(text);
    // Generous for a shared 2-core machine; a backtracking parser takes seconds or more here.
    expect(performance.now() - started).toBeLessThan(250);
    expect(parsed.terms.length).toBeLessThanOrEqual(galleryQueryMaxTerms);
    expect(parsed.problems.length).toBeLessThanOrEqual(text.length + 1);
    for (const p of parsed.problems) {
      expect(p.start).toBeGreaterThanOrEqual(0);
      expect(p.end).toBeLessThanOrEqual(text.length);
      expect(p.start).toBeLessThanOrEqual(p.end);
    }
  });

  it('answers input that is not a string with an empty query', () => {
    for (const input of [null, undefined, 42, {}]) {
      expect(parseGalleryQuery(input as string)).toEqual({ terms: [], filters: {}, problems: [] });
    }
  });
});
