import { ftsWords } from './fts-words.js';

/** At most this many words of a prompt make its "more like this" query. */
const maxWords = 8;

/** The distinct words of a prompt as the index holds them, one-letter ones left out. */
export function promptWords(prompt: string): string[] {
  return [...new Set(ftsWords(prompt).filter((word) => word.length > 1))];
}

/**
 * The distinctive words of a prompt: those fewest other images share (but at least one does, or
 * nothing else can match), rarest first. Common words ("a", "of", "masterpiece") rank nothing.
 */
export function distinctiveWords(words: readonly string[], documents: Map<string, number>): string[] {
  return words
    .filter((word) => (documents.get(word) ?? 0) >= 2)
    .sort((a, b) => documents.get(a)! - documents.get(b)! || a.localeCompare(b))
    .slice(0, maxWords);
}

/** An FTS5 expression matching any of the words in the positive prompt. */
export function anyWordExpression(words: readonly string[]): string {
  return `text : (${words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' OR ')})`;
}
