import type { GalleryTextTerm } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { pgAnyWordQuery, pgTextQuery, pgTextTerm } from './pg-text-query.js';

const term = (value: string, more: Partial<GalleryTextTerm> = {}): GalleryTextTerm => ({
  kind: 'word',
  value,
  negated: false,
  field: 'text',
  ...more,
});

describe('pgTextTerm', () => {
  it('restricts a word to the prompt, note and file name, and a neg: word to the negative prompt', () => {
    expect(pgTextTerm(term('Red'))).toBe(`'red':ABC`);
    expect(pgTextTerm(term('blurry', { field: 'negative' }))).toBe(`'blurry':D`);
    expect(pgTextTerm(term('ca', { kind: 'prefix' }))).toBe(`'ca':*ABC`);
    expect(pgTextTerm(term('ca', { kind: 'prefix', field: 'negative' }))).toBe(`'ca':*D`);
  });

  it('folds words as the index does: case, diacritics, punctuation splits', () => {
    expect(pgTextTerm(term('Crème'))).toBe(`'creme':ABC`);
    expect(pgTextTerm(term('ÅNGSTRÖM', { kind: 'phrase' }))).toBe(`'angstrom':ABC`);
  });

  it('makes a value of several words a phrase within one column, each weight apart', () => {
    expect(pgTextTerm(term('red car', { kind: 'phrase' }))).toBe(
      `(('red':A <-> 'car':A) | ('red':B <-> 'car':B) | ('red':C <-> 'car':C))`,
    );
    // A word with punctuation is several tokens to FTS5 too: a phrase.
    expect(pgTextTerm(term('client-a'))).toBe(
      `(('client':A <-> 'a':A) | ('client':B <-> 'a':B) | ('client':C <-> 'a':C))`,
    );
    expect(pgTextTerm(term('low quality', { kind: 'phrase', field: 'negative' }))).toBe(
      `('low':D <-> 'quality':D)`,
    );
  });

  it('reads a prefix of several words as a phrase whose last word is the prefix', () => {
    expect(pgTextTerm(term('red ca', { kind: 'prefix' }))).toBe(
      `(('red':A <-> 'ca':*A) | ('red':B <-> 'ca':*B) | ('red':C <-> 'ca':*C))`,
    );
  });

  it('quotes what a user types, so nothing becomes tsquery syntax', () => {
    // Quotes, backslashes and operators are not letters: they split words and never reach the query.
    expect(pgTextTerm(term(`it's`))).toBe(`(('it':A <-> 's':A) | ('it':B <-> 's':B) | ('it':C <-> 's':C))`);
    expect(pgTextTerm(term(`a&b|!c:*`, { kind: 'phrase', field: 'negative' }))).toBe(
      `('a':D <-> 'b':D <-> 'c':D)`,
    );
  });

  it('makes a value without words a lexeme no document holds, as FTS5 matches nothing for ""', () => {
    expect(pgTextTerm(term('!!!'))).toBe(`' ':ABC`);
    expect(pgTextTerm(term('', { kind: 'prefix', field: 'negative' }))).toBe(`' ':D`);
  });
});

describe('pgTextQuery', () => {
  it('joins included terms with & and excludes the negated ones after them', () => {
    expect(pgTextQuery([term('red'), term('car', { kind: 'prefix' })])).toEqual({
      include: `'red':ABC & 'car':*ABC`,
      exclude: null,
    });
    expect(
      pgTextQuery([
        term('red'),
        term('blurry', { negated: true, field: 'negative' }),
        term('old car', { negated: true, kind: 'phrase' }),
      ]),
    ).toEqual({
      include: `'red':ABC & !( 'blurry':D | (('old':A <-> 'car':A) | ('old':B <-> 'car':B) | ('old':C <-> 'car':C)) )`,
      exclude: null,
    });
  });

  it('gives the excluded terms apart when nothing is included, and nothing for no terms', () => {
    expect(pgTextQuery([term('dog', { negated: true }), term('cat', { negated: true })])).toEqual({
      include: null,
      exclude: `'dog':ABC | 'cat':ABC`,
    });
    expect(pgTextQuery([])).toEqual({ include: null, exclude: null });
  });

  it('keeps FTS5s reading of a value without words: nothing included matches, nothing excluded drops', () => {
    expect(pgTextQuery([term('red'), term('***')])).toEqual({
      include: `'red':ABC & ' ':ABC`,
      exclude: null,
    });
    expect(pgTextQuery([term('red'), term('***', { negated: true })])).toEqual({
      include: `'red':ABC & !( ' ':ABC )`,
      exclude: null,
    });
  });
});

describe('pgAnyWordQuery', () => {
  it('matches any of the words in the positive prompt only', () => {
    expect(pgAnyWordQuery(['castle', 'moat'])).toBe(`'castle':A | 'moat':A`);
    expect(pgAnyWordQuery([])).toBe(`' ':A`);
  });
});
