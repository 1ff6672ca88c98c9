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
