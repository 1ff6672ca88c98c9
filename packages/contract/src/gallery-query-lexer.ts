/**
 * The lexer of the gallery query syntax: splits a query into tokens in one pass, with no regular
 * expression over more than one character, so hostile input costs linear time.
 */
import { isQuoteChar, queryKeyNamed } from './gallery-query-keys.js';

/**
 * The query after NFKC, applied code point by code point so every character keeps the span of
 * the original it came from: fullwidth `ｍｏｄｅｌ：ｓｄｘｌ` (typed with an IME) reads as
 * `model:sdxl`, and problems still underline the characters the user typed.
 */
export interface NormalisedQuery {
  text: string;
  /** For each character of `text`: where its source starts and ends in the original. */
  from: number[];
  to: number[];
  /** The length of the original. */
  length: number;
}

export function normaliseQuery(raw: string): NormalisedQuery {
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < raw.length;) {
    const codePoint = raw.codePointAt(i) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    const piece = String.fromCodePoint(codePoint).normalize('NFKC');
    for (let k = 0; k < piece.length; k++) {
      from.push(i);
      to.push(i + width);
    }
    text += piece;
    i += width;
  }
  return { text, from, to, length: raw.length };
}

/** The span in the original of `text.slice(start, end)`. */
export function originalSpan(
  query: NormalisedQuery,
  start: number,
  end: number,
): { start: number; end: number } {
  const originalStart = start < query.from.length ? (query.from[start] ?? query.length) : query.length;
  const originalEnd = end > 0 ? (query.to[end - 1] ?? query.length) : 0;
  return { start: originalStart, end: Math.max(originalStart, originalEnd) };
}

/** One token: a text term, or a `key:value` (or `key>=value`) attempt, each maybe `-`negated. */
export interface QueryToken {
  /** The whole token, `-` and quotes included (indices into the normalised text). */
  start: number;
  end: number;
  negated: boolean;
  /** The key as typed, lower case; null for a text term. */
  key: string | null;
  /** What joins key and value (`:`, `>=`, `:>=`, or whatever was typed); '' without a key. */
  op: string;
  /** The value without its quotes. */
  value: string;
  /** The value's span, quotes included. */
  valueStart: number;
  valueEnd: number;
  quoted: boolean;
}

export const isSpace = (ch: string): boolean => /\s/.test(ch);
const isKeyChar = (ch: string): boolean => (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_';
const isOpChar = (ch: string): boolean => ch === ':' || ch === '<' || ch === '>' || ch === '=';

/**
 * Where the operator after a key starting at `i` begins, or -1 when the text at `i` is not a key.
 * A run of letters followed by `:` is a key (known or not: an unknown one is reported, so typos
 * show); followed by `<`, `>` or `=` only when it is a known key (`rating>=4`), since `a=b` in a
 * prompt is text.
 */
export function keyEndAt(text: string, i: number): number {
  let k = i;
  while (k < text.length && isKeyChar(text[k] ?? '')) k++;
  if (k === i || k >= text.length) return -1;
  const next = text[k] ?? '';
  if (next === ':') return k;
  return isOpChar(next) && queryKeyNamed(text.slice(i, k)) ? k : -1;
}

/** Splits a (normalised) query into tokens; never throws. */
export function tokeniseQuery(text: string): QueryToken[] {
  const tokens: QueryToken[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (isSpace(text[i] ?? '')) {
      i++;
      continue;
    }
    const start = i;
    const negated = text[i] === '-';
    if (negated) i++;
    let key: string | null = null;
    let op = '';
    const keyEnd = keyEndAt(text, i);
    if (keyEnd >= 0) {
      let opEnd = keyEnd;
      while (opEnd < n && isOpChar(text[opEnd] ?? '')) opEnd++;
      key = text.slice(i, keyEnd).toLowerCase();
      op = text.slice(keyEnd, opEnd);
      i = opEnd;
    }
    const valueStart = i;
    const quoted = i < n && isQuoteChar(text[i] ?? '');
    let value: string;
    if (quoted) {
      // Any quote closes, so “curly”, "straight" and mixed pairs all work; unclosed runs to the end.
      let j = i + 1;
      while (j < n && !isQuoteChar(text[j] ?? '')) j++;
      value = text.slice(i + 1, j);
      i = j < n ? j + 1 : n;
    } else {
      let j = i;
      while (j < n && !isSpace(text[j] ?? '') && !isQuoteChar(text[j] ?? '')) j++;
      value = text.slice(i, j);
      i = j;
    }
    tokens.push({ start, end: i, negated, key, op, value, valueStart, valueEnd: i, quoted });
  }
  return tokens;
}
