/**
 * Words as FTS5's unicode61 tokenizer (remove_diacritics 2) splits and folds them: lower case,
 * without diacritics, split at anything that is not a letter or digit. For matching text outside
 * the index the way the index would (tag names, a prompt's words for "more like this").
 */
export function ftsWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0);
}
