import { ftsWords } from './fts-words.js';

/** The text of an image that Postgres search reads, as FTS5's gallery_fts columns hold it. */
export interface SearchDocument {
  positive: string | null;
  negative: string | null;
  note: string | null;
  /** `<sha256>.<ext>`. */
  filename: string;
}

/**
 * The weight each column's words carry in `search_tsv`: plain words search A–C (prompt, note,
 * file name, like FTS5's `{text note filename}`), `neg:` words D (the negative prompt).
 */
export const searchWeights = { positive: 'A', note: 'B', filename: 'C', negative: 'D' } as const;

/**
 * Literal bytes a column's words may take in `search_tsv`: four columns stay well under Postgres's
 * 1 MB per tsvector (a literal entry takes about as many bytes as it does stored).
 */
const maxColumnBytes = 200_000;

/**
 * An image's `search_tsv` as a tsvector literal (bind it as `?::tsvector`). The words are split and
 * folded in JS by ftsWords, exactly as FTS5's unicode61 tokenizer does, and written as lexemes
 * directly: Postgres's own parser never sees the text, so both engines hold the same words whatever
 * the database's locale, and no `unaccent` extension is needed. Positions run on across the columns
 * (phrases stay within one column because phrase queries restrict each word to one weight).
 */
export function pgSearchDocument(doc: SearchDocument): string {
  const entries: string[] = [];
  let position = 0;
  const add = (text: string | null, weight: string) => {
    let bytes = 0;
    for (const word of ftsWords(text ?? '')) {
      // tsvector positions stop at 16,383; a longer text keeps its words, the rest at the last position.
      position = Math.min(position + 1, 16383);
      const entry = `${pgLexeme(word)}:${position}${weight}`;
      // A tsvector holds at most 1 MB: a text past the budget (a hostile prompt) loses its tail here
      // rather than failing the image's write. Each column has its own budget, so a huge prompt
      // never costs the note, file name or negative prompt their words.
      bytes += Buffer.byteLength(entry) + 1;
      if (bytes > maxColumnBytes) return;
      entries.push(entry);
    }
  };
  add(doc.positive, searchWeights.positive);
  add(doc.note, searchWeights.note);
  add(doc.filename, searchWeights.filename);
  add(doc.negative, searchWeights.negative);
  return entries.join(' ');
}

/** Postgres refuses a lexeme of more bytes than this (in a tsvector and in a tsquery alike). */
export const pgMaxLexemeBytes = 2046;

/**
 * A word quoted as a tsvector/tsquery lexeme: nothing in it is read as syntax. A word longer than
 * Postgres takes (FTS5 takes any) keeps its first pgMaxLexemeBytes bytes, whole characters: documents
 * and queries both cut it here, so such a word still finds itself instead of failing the write or the
 * search.
 */
export function pgLexeme(word: string): string {
  let kept = word;
  if (Buffer.byteLength(kept) > pgMaxLexemeBytes) {
    let bytes = 0;
    kept = '';
    for (const char of word) {
      bytes += Buffer.byteLength(char);
      if (bytes > pgMaxLexemeBytes) break;
      kept += char;
    }
  }
  return `'${kept.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
