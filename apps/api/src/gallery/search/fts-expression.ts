import type { GalleryTextTerm } from '@atelier/contract';

/**
 * Plain words look in these columns of gallery_fts; `neg:` words in the negative prompt. Tags are
 * not in the full-text row (they change in bulk): a word also matching tag names is resolved
 * against the tag dictionary (search-resolver.ts, tag alternatives).
 */
const textColumns = '{text note filename}';

/**
 * The FTS5 MATCH expressions of a search: `include` for the terms that must occur, `exclude` for
 * those that must not. FTS5's NOT needs a left side, so excluded terms go in a NOT of their own
 * when something is included, and otherwise apart (the caller subtracts their matches).
 * Every value is quoted: nothing a user types is read as FTS5 syntax.
 */
export function ftsExpressions(terms: readonly GalleryTextTerm[]): {
  include: string | null;
  exclude: string | null;
} {
  const included = terms.filter((term) => !term.negated).map(ftsTerm);
  const excluded = terms.filter((term) => term.negated).map(ftsTerm);
  if (included.length === 0) {
    return { include: null, exclude: excluded.length > 0 ? excluded.join(' OR ') : null };
  }
  const positive = included.join(' AND ');
  return {
    include: excluded.length > 0 ? `(${positive}) NOT (${excluded.join(' OR ')})` : positive,
    exclude: null,
  };
}

export function ftsTerm(term: GalleryTextTerm): string {
  const quoted = `"${term.value.replaceAll('"', '""')}"`;
  const columns = term.field === 'negative' ? 'negative' : textColumns;
  return `${columns} : ${term.kind === 'prefix' ? `${quoted} *` : quoted}`;
}
