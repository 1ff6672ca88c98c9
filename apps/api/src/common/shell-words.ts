/** Characters a shell would act on outside quotes; we never run a shell, so we refuse them rather than pass them on. */
const shellOperators = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);
/** Inside double quotes a backslash only escapes these (as in sh). */
const doubleQuoteEscapable = new Set(['$', '`', '"', '\\', '\n']);

/**
 * Splits a command line into words the way sh does for quotes and backslashes — `'…'` literal, `"…"` with
 * `\"` `\\` `\$` escapes, `\x` outside quotes — without expanding anything. Returns undefined for an
 * unbalanced quote, a trailing backslash, an unquoted shell operator or variable (`| & ; < > ( ) $` and
 * backticks), or a word starting with an unquoted `~`: each would mean something else in a shell.
 */
export function splitShellWords(line: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;

  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') {
        quote = null;
      } else if (char === '\\' && i + 1 < line.length && doubleQuoteEscapable.has(line.charAt(i + 1))) {
        i++;
        if (line.charAt(i) !== '\n') word += line.charAt(i);
      } else {
        word += char;
      }
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= line.length) return undefined;
      i++;
      // Backslash-newline is a line continuation in sh.
      if (line.charAt(i) !== '\n') {
        word += line.charAt(i);
        inWord = true;
      }
    } else if (shellOperators.has(char) || (char === '~' && !inWord)) {
      return undefined;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== null) return undefined;
  if (inWord) words.push(word);
  return words;
}

/** True when `args` carries `--name` or `--name=value`. */
export function hasFlag(args: readonly string[], name: string): boolean {
  return args.some((arg) => arg === name || arg.startsWith(`${name}=`));
}
