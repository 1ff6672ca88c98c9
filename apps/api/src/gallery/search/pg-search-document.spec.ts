import { describe, expect, it } from 'vitest';
import { pgLexeme, pgMaxLexemeBytes, pgSearchDocument } from './pg-search-document.js';

describe('pgSearchDocument', () => {
  it('writes each column with its weight, positions running on across the columns', () => {
    expect(
      pgSearchDocument({ positive: 'Red car', note: 'Café', filename: 'ab12.png', negative: 'blurry, low' }),
    ).toBe(`'red':1A 'car':2A 'cafe':3B 'ab12':4C 'png':5C 'blurry':6D 'low':7D`);
    expect(pgSearchDocument({ positive: null, note: null, filename: 'x.webp', negative: null })).toBe(
      `'x':1C 'webp':2C`,
    );
  });
});

describe('pgSearchDocument past the size of a tsvector', () => {
  it('keeps the head of a huge column and every other column whole', () => {
    const huge = Array.from({ length: 150_000 }, (_, i) => `q${i}`).join(' ');
    const document = pgSearchDocument({
      positive: huge,
      note: 'kept note',
      filename: 'f.png',
      negative: 'smudge',
    });
    // Well under Postgres's 1 MB per tsvector.
    expect(Buffer.byteLength(document)).toBeLessThan(500_000);
    expect(document.startsWith(`'q0':1A 'q1':2A`)).toBe(true);
    expect(document).not.toContain(`'q149999'`);
    expect(document).toMatch(/ 'kept':(\d+)B 'note':\d+B 'f':\d+C 'png':\d+C 'smudge':\d+D$/);
  });
});

describe('pgLexeme', () => {
  it('quotes a word so that nothing in it is syntax', () => {
    expect(pgLexeme(`it's`)).toBe(`'it''s'`);
    expect(pgLexeme(`a\\b`)).toBe(`'a\\\\b'`);
  });

  it('cuts a word Postgres would refuse to its first bytes, at a character boundary', () => {
    const long = '漢'.repeat(1000); // 3,000 bytes
    const cut = pgLexeme(long).slice(1, -1);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(pgMaxLexemeBytes);
    expect(cut).toBe('漢'.repeat(Math.floor(pgMaxLexemeBytes / 3)));
    expect(pgLexeme(long)).toBe(pgLexeme(`${long}more`));
    const fits = 'x'.repeat(pgMaxLexemeBytes);
    expect(pgLexeme(fits)).toBe(`'${fits}'`);
  });
});
