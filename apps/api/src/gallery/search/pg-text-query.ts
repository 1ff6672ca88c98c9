import type { GalleryTextTerm } from '@atelier/contract';
import { ftsWords } from './fts-words.js';
import { pgLexeme, searchWeights } from './pg-search-document.js';

/** Plain words look in the prompt, the note and the file name, like FTS5's `{text note filename}`. */
const textWeights = [searchWeights.positive, searchWeights.note, searchWeights.filename];
const negativeWeights = [searchWeights.negative];

/**
 * A lexeme no document holds (ftsWords never yields a space): what a value without words becomes.
 * FTS5 reads `""` as a phrase matching nothing, so a search including it finds nothing and one
 * excluding it excludes nothing; tsquery has no "false", and dropping the term would match everything.
 */
const noWord = pgLexeme(' ');

/**
 * The tsquery texts of a search (bind as `?::tsquery`; Postgres's text parser never reads them), with
 * FTS5's semantics (fts-expression.ts): `include` for the terms that must occur, `exclude` for those
 * that must not, set only when nothing is included (the engine then keeps `NOT (search_tsv @@ q)`).
 * Words are split and folded by ftsWords, as pgSearchDocument wrote the documents.
 */
export function pgTextQuery(terms: readonly GalleryTextTerm[]): {
  include: string | null;
  exclude: string | null;
} {
  const included = terms.filter((term) => !term.negated).map(pgTextTerm);
  const excluded = terms.filter((term) => term.negated).map(pgTextTerm);
  if (included.length === 0) {
    return { include: null, exclude: excluded.length > 0 ? excluded.join(' | ') : null };
  }
  const positive = included.join(' & ');
  return {
    include: excluded.length > 0 ? `${positive} & !( ${excluded.join(' | ')} )` : positive,
    exclude: null,
  };
}

/**
 * One term as a tsquery operand (safe to join with `&`, `|` and `!`): a word restricted to the
 * field's weights (`'w':ABC`), a prefix (`'w':*ABC`), and a value of several words as a phrase of
 * adjacent words within ONE column — each weight apart, since FTS5 never matches a phrase across
 * columns and the document's positions run on from one column to the next. A prefix of several words
 * ("red ca") is the phrase with its last word as prefix, as FTS5 reads `"red ca" *`.
 */
export function pgTextTerm(term: GalleryTextTerm): string {
  const words = ftsWords(term.value);
  const weights = term.field === 'negative' ? negativeWeights : textWeights;
  if (words.length === 0) return `${noWord}:${weights.join('')}`;
  const lexeme = (word: string, index: number, weight: string) => {
    const prefix = term.kind === 'prefix' && index === words.length - 1 ? '*' : '';
    return `${pgLexeme(word)}:${prefix}${weight}`;
  };
  if (words.length === 1) return lexeme(words[0]!, 0, weights.join(''));
  const phrases = weights.map(
    (weight) => `(${words.map((word, index) => lexeme(word, index, weight)).join(' <-> ')})`,
  );
  return phrases.length === 1 ? phrases[0]! : `(${phrases.join(' | ')})`;
}

/** "More like this": any of `words` in the positive prompt (similar-words.ts's anyWordExpression). */
export function pgAnyWordQuery(words: readonly string[]): string {
  if (words.length === 0) return `${noWord}:${searchWeights.positive}`;
  return words.map((word) => `${pgLexeme(word)}:${searchWeights.positive}`).join(' | ');
}
