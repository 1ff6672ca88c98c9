const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

/** The one reader of yes/no words, for environment variables (any case, yes/no and on/off too). */
export function parseBooleanWord(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if (trueWords.has(word)) return true;
  if (falseWords.has(word)) return false;
  return undefined;
}

/** The spellings a query or form flag accepts (DTOs list them in `@IsIn`). */
export const booleanWords = ['true', 'false', '1', '0'] as const;
export type BooleanWord = (typeof booleanWords)[number];

/** An optional query or form flag: on for "1" or "true", off when absent. */
export const isTrueWord = (value: string | undefined): boolean =>
  value !== undefined && parseBooleanWord(value) === true;
