/**
 * The gallery query syntax, shared by GET /api/gallery/images?q= and the search box:
 *
 *   "red lighthouse" model:sdxl lora:detail seed:42 tag:client-a -blurry light* neg:watermark
 *
 * Words, prefixes (`light*`), "phrases" (straight or curly quotes; an unclosed one runs to the
 * end), `-excluded` terms and `neg:` terms (the negative prompt) become full-text terms; `key:value`
 * pairs become GalleryFilters. Whatever is not applied — an unknown key, a bad value, a second
 * value — is a problem with the span to underline, never silently dropped.
 */
import {
  checkFilterValue,
  formatFilter,
  galleryQueryKeyNames,
  galleryQueryKeys,
  isQuoteChar,
  queryKeyNamed,
  queryKeyOperators,
} from './gallery-query-keys.js';
import { parseQueryInstant } from './gallery-query-dates.js';
import {
  isSpace,
  keyEndAt,
  normaliseQuery,
  originalSpan,
  tokeniseQuery,
  type QueryToken,
} from './gallery-query-lexer.js';
import {
  galleryQueryMaxLength,
  galleryQueryMaxTerms,
  type GalleryFilterName,
  type GalleryQueryFilters,
  type GalleryQueryProblem,
  type GalleryTextTerm,
  type ParsedGalleryQuery,
} from './gallery-query-types.js';

export * from './gallery-query-types.js';
export { galleryQueryKeys, formatGalleryQueryValue, type GalleryQueryKey } from './gallery-query-keys.js';
export * from './gallery-query-merge.js';
export * from './gallery-query-completion.js';

const hasLetterOrDigit = (text: string): boolean => /[\p{L}\p{N}]/u.test(text);
const collapseSpaces = (text: string): string => text.trim().split(/\s+/).join(' ');
const normaliseTerm = (text: string): string => text.normalize('NFKC').toLowerCase();

/** What one parse builds up; problems' spans are still in the normalised text here. */
interface ParseState {
  terms: GalleryTextTerm[];
  filters: GalleryQueryFilters;
  problems: { message: string; start: number; end: number }[];
  /** The token that set each filter, for problems that involve two of them. */
  setBy: Map<GalleryFilterName, QueryToken>;
  /** The span of the terms beyond galleryQueryMaxTerms, reported as one problem. */
  excess: { start: number; end: number } | null;
}

/**
 * Parses a query in the gallery syntax. Never throws: anything not applied is listed in
 * `problems` (with offsets into `text`) and left out of `terms` and `filters`.
 */
export function parseGalleryQuery(text: string): ParsedGalleryQuery {
  const problems: GalleryQueryProblem[] = [];
  let raw = typeof text === 'string' ? text : '';
  if (raw.length > galleryQueryMaxLength) {
    // Never cut a surrogate pair in half.
    const high = raw.charCodeAt(galleryQueryMaxLength - 1);
    const cut = high >= 0xd800 && high <= 0xdbff ? galleryQueryMaxLength - 1 : galleryQueryMaxLength;
    problems.push({
      message: `a search holds at most ${galleryQueryMaxLength} characters: the rest is ignored`,
      start: cut,
      end: raw.length,
    });
    raw = raw.slice(0, cut);
  }
  const query = normaliseQuery(raw);
  const state: ParseState = { terms: [], filters: {}, problems: [], setBy: new Map(), excess: null };
  for (const token of tokeniseQuery(query.text)) readToken(state, token, query.text);
  checkDateRange(state);
  if (state.excess) {
    state.problems.push({
      message: `a search holds at most ${galleryQueryMaxTerms} words and phrases`,
      ...state.excess,
    });
  }
  for (const problem of state.problems) {
    problems.push({ message: problem.message, ...originalSpan(query, problem.start, problem.end) });
  }
  problems.sort((a, b) => a.start - b.start);
  return { terms: state.terms, filters: state.filters, problems };
}

function readToken(state: ParseState, token: QueryToken, text: string): void {
  const report = (message: string, start = token.start, end = token.end): void => {
    state.problems.push({ message, start, end });
  };
  if (token.key === null) return addTerm(state, token, 'text');
  const key = queryKeyNamed(token.key);
  if (!key) return report(unknownKeyMessage(token.key));
  if (!queryKeyOperators(key).includes(token.op)) {
    return report(`${token.key}${token.op} is not supported: write it as ${key.example}`);
  }
  if (key.filter === null) return addTerm(state, token, 'negative');
  if (token.negated && key.filter !== 'has_workflow') return report(`-${token.key}: is not supported`);

  const value = collapseSpaces(token.value);
  if (value === '') {
    const spaceAfter = !token.quoted && isSpace(text[token.end] ?? '');
    return report(
      `${token.key}: needs a value, e.g. ${key.example}${spaceAfter ? ' (no space after the colon)' : ''}`,
    );
  }
  const checked = checkFilterValue(key.filter, value);
  if (!checked.ok) return report(checked.message, token.valueStart, token.valueEnd);
  const parsed = key.filter === 'has_workflow' ? !token.negated : checked.value;

  const filters = state.filters as Record<GalleryFilterName, unknown>;
  const existing = filters[key.filter];
  if (existing !== undefined && existing !== parsed) {
    const pair = `${formatFilter(key.filter, existing as never)} and ${formatFilter(key.filter, parsed as never)}`;
    const single = key.filter === 'tag' || key.filter === 'lora';
    return report(single ? `one ${key.key}: per search for now (${pair})` : `${pair} contradict: keep one`);
  }
  filters[key.filter] = parsed;
  state.setBy.set(key.filter, token);
}

function addTerm(state: ParseState, token: QueryToken, field: GalleryTextTerm['field']): void {
  let kind: GalleryTextTerm['kind'] = 'phrase';
  let value: string;
  if (token.quoted) {
    value = collapseSpaces(normaliseTerm(token.value));
  } else {
    let end = token.value.length;
    while (end > 0 && token.value[end - 1] === '*') end--;
    kind = end < token.value.length ? 'prefix' : 'word';
    value = normaliseTerm(token.value.slice(0, end));
  }
  // `-`, `*` or `""` alone, punctuation: nothing the index could match.
  if (!hasLetterOrDigit(value)) return;
  if (state.terms.length >= galleryQueryMaxTerms) {
    state.excess = { start: state.excess?.start ?? token.start, end: token.end };
    return;
  }
  state.terms.push({ kind, value, negated: token.negated, field });
}

/** `from:` after `to:` can match nothing: the later of the two is the problem, and is left out. */
function checkDateRange(state: ParseState): void {
  const { from, to } = state.filters;
  if (from === undefined || to === undefined) return;
  const start = parseQueryInstant(from, 'from');
  const end = parseQueryInstant(to, 'to');
  if (!start || !end || start.ms <= end.ms) return;
  const fromToken = state.setBy.get('from');
  const toToken = state.setBy.get('to');
  if (!fromToken || !toToken) return;
  const later = fromToken.start > toToken.start ? 'from' : 'to';
  const token = later === 'from' ? fromToken : toToken;
  delete state.filters[later];
  state.problems.push({ message: `from:${from} is after to:${to}`, start: token.start, end: token.end });
}

/** Edit distance counting a swap of neighbours as one edit (`tga` → `tag`); only on short names. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
        at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

function unknownKeyMessage(name: string): string {
  const known = galleryQueryKeys.map((k) => k.key).join(', ');
  const shown = name.length > 24 ? `${name.slice(0, 24)}…` : name;
  // One slip in a short name, two in a longer one: `modle` → model, but not `foo` → from.
  const slips = name.length >= 5 ? 2 : 1;
  const close =
    name.length <= 24
      ? galleryQueryKeyNames.find((candidate) => distance(name, candidate) <= slips)
      : undefined;
  const hint = close ? ` did you mean ${close}:?` : '';
  return `unknown filter ${shown}:${hint} (known: ${known})`;
}

/** Whether a term's value, written bare, reads back as the same term. */
function writableBare(term: GalleryTextTerm, value: string): boolean {
  if (value === '' || value.endsWith('*')) return false;
  for (const ch of value) if (isSpace(ch) || isQuoteChar(ch)) return false;
  if (term.field === 'negative') return !/^[:<>=]/.test(value);
  return !(value.startsWith('-') && !term.negated) && keyEndAt(value, 0) < 0;
}

function formatTerm(term: GalleryTextTerm): string | null {
  const sign = term.negated ? '-' : '';
  const field = term.field === 'negative' ? 'neg:' : '';
  if (term.kind !== 'phrase' && writableBare(term, term.value)) {
    return `${sign}${field}${term.value}${term.kind === 'prefix' ? '*' : ''}`;
  }
  let phrase = '';
  for (const ch of term.value) if (!isQuoteChar(ch)) phrase += ch;
  phrase = collapseSpaces(phrase);
  return hasLetterOrDigit(phrase) ? `${sign}${field}"${phrase}"` : null;
}

/**
 * Writes terms and filters as canonical query text: the terms in order, then the filters in the
 * order of `galleryQueryKeys`, each under its main name (`model:`, `rating>=`). What
 * `parseGalleryQuery` returned parses back to the same terms and filters (as long as the text
 * stays within galleryQueryMaxLength). A word or prefix that cannot be written bare (built by
 * hand with a space or a quote in it) is written as a phrase; quote characters inside values are
 * dropped, since the syntax has no escape.
 */
export function formatGalleryQuery(parsed: {
  terms: readonly GalleryTextTerm[];
  filters: GalleryQueryFilters;
}): string {
  const parts: string[] = [];
  for (const term of parsed.terms) {
    const written = formatTerm(term);
    if (written !== null) parts.push(written);
  }
  for (const key of galleryQueryKeys) {
    if (key.filter === null) continue;
    const value = parsed.filters[key.filter];
    if (value !== undefined) parts.push(formatFilter(key.filter, value));
  }
  return parts.join(' ');
}
