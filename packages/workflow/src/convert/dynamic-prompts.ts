/**
 * The frontend (v1.4.x) rewrites text widgets marked `dynamicPrompts` when it queues: C-style comments are removed
 * and each `{a|b|c}` group is replaced by one option picked at random (inner-most-first nesting is not supported).
 *
 * The frontend does this with a lazy regex and a loop that rescans the whole prompt per group, which takes
 * quadratic time on hostile text (`/* ` repeated, thousands of groups). This is the same algorithm with the same
 * results, in time linear in the text: nested groups, whose inner text the frontend's algorithm must rescan
 * each round, have a fixed budget.
 */

export class DynamicPromptError extends Error {}

const maxRounds = 10_000;

/**
 * Characters of group text left to rescan (only nested groups rescan anything). One budget is shared by all the
 * prompts of a workflow, so many small nested prompts cannot add up to what one large one may not do.
 */
export interface RescanBudget {
  left: number;
}

export function rescanBudget(): RescanBudget {
  return { left: 4_000_000 };
}

const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;

function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** `text.replace(/\/\*[\s\S]*?\*\/|\/\/.*\/g, '')` in one pass. */
export function stripComments(text: string): string {
  const parts: string[] = [];
  let copyFrom = 0;
  // Once a `/*` has no `*/` after it, no later `/*` has one either.
  let hasBlockEnd = true;
  let i = text.indexOf('/');
  while (i !== -1 && i < text.length - 1) {
    const next = text.charCodeAt(i + 1);
    if (next === STAR && hasBlockEnd) {
      const close = text.indexOf('*/', i + 2);
      if (close !== -1) {
        parts.push(text.slice(copyFrom, i));
        copyFrom = close + 2;
        i = text.indexOf('/', copyFrom);
        continue;
      }
      hasBlockEnd = false;
    } else if (next === SLASH) {
      let end = i + 2;
      while (end < text.length && !isLineTerminator(text.charCodeAt(end))) end++;
      parts.push(text.slice(copyFrom, i));
      copyFrom = end;
      i = text.indexOf('/', end);
      continue;
    }
    i = text.indexOf('/', i + 1);
  }
  parts.push(text.slice(copyFrom));
  return parts.join('');
}

/**
 * The prompt being resolved, as `frozen + head + source.slice(tail)`: rounds only rewrite from their group's "{" on,
 * so what lies before it is frozen, and what lies after the group's "}" is still the source text.
 */
class PromptCursor {
  private readonly frozen: string[] = [];
  private lastFrozen = -1;
  /** Whether the frozen part holds a whole `\{` (resp. `\}`): then it holds the first one, the one skipped. */
  private readonly frozenEscape = { '{': false, '}': false };
  /** The last `source.indexOf('\\' + brace, from)`, reused while `tail` has not passed it. */
  private readonly pairMemo = { '{': { from: -1, at: -1 }, '}': { from: -1, at: -1 } };
  head = '';
  tail = 0;

  constructor(private readonly source: string) {}

  private charAt(index: number): number {
    return index < this.head.length
      ? this.head.charCodeAt(index)
      : this.source.charCodeAt(this.tail + index - this.head.length);
  }

  /** First index (in the rest, from `from`) of `char`, or -1. */
  private find(char: string, from: number): number {
    if (from < this.head.length) {
      const inHead = this.head.indexOf(char, from);
      if (inHead !== -1) return inHead;
      from = this.head.length;
    }
    const at = this.source.indexOf(char, this.tail + from - this.head.length);
    return at === -1 ? -1 : at - this.tail + this.head.length;
  }

  private tailPair(brace: '{' | '}'): number {
    const memo = this.pairMemo[brace];
    if (memo.from !== -1 && this.tail >= memo.from && (memo.at === -1 || this.tail <= memo.at))
      return memo.at;
    const at = this.source.indexOf(`\\${brace}`, this.tail);
    this.pairMemo[brace] = { from: this.tail, at };
    return at;
  }

  /** Index in the rest of the brace of the prompt's first `\{` (resp. `\}`), or -1 if it is frozen or absent. */
  escapedBrace(brace: '{' | '}'): number {
    if (this.frozenEscape[brace]) return -1;
    const code = brace.charCodeAt(0);
    if (this.lastFrozen === BACKSLASH && this.charAt(0) === code) return 0;
    const inHead = this.head.indexOf(`\\${brace}`);
    if (inHead !== -1) return inHead + 1;
    if (this.head.endsWith('\\') && this.source.charCodeAt(this.tail) === code) return this.head.length;
    const at = this.tailPair(brace);
    return at === -1 ? -1 : at + 1 - this.tail + this.head.length;
  }

  /** First index in the rest of `brace` other than `skip`, or -1. */
  findBrace(brace: '{' | '}', skip: number): number {
    const first = this.find(brace, 0);
    return first !== -1 && first === skip ? this.find(brace, skip + 1) : first;
  }

  slice(from: number, to: number): string {
    const headLength = this.head.length;
    if (to <= headLength) return this.head.slice(from, to);
    const tailPart = this.source.slice(
      this.tail + Math.max(from - headLength, 0),
      this.tail + to - headLength,
    );
    return from >= headLength ? tailPart : this.head.slice(from) + tailPart;
  }

  /** Freezes the rest up to `start` and replaces `start..end` (inclusive) with `choice`. */
  replace(start: number, end: number, choice: string): void {
    const piece = this.slice(0, start);
    if (piece) {
      for (const brace of ['{', '}'] as const) {
        this.frozenEscape[brace] ||=
          (this.lastFrozen === BACKSLASH && piece.startsWith(brace)) || piece.includes(`\\${brace}`);
      }
      this.lastFrozen = piece.charCodeAt(piece.length - 1);
      this.frozen.push(piece);
    }
    const headLength = this.head.length;
    const restOfHead = end + 1 < headLength ? this.head.slice(end + 1) : '';
    if (end + 1 > headLength) this.tail += end + 1 - headLength;
    this.head = choice + restOfHead;
  }

  toString(): string {
    return this.frozen.join('') + this.head + this.source.slice(this.tail);
  }
}

export function resolveDynamicPrompt(
  text: string,
  random: () => number,
  budget: RescanBudget = rescanBudget(),
): string {
  const prompt = new PromptCursor(stripComments(text));
  const refuse = (why: string) =>
    new DynamicPromptError(`cannot resolve the dynamic prompt ${JSON.stringify(text.slice(0, 60))}${why}`);
  let rounds = 0;
  for (;;) {
    // Only the first escaped brace is skipped, exactly like the frontend's `replace('\\{', …)`.
    const start = prompt.findBrace('{', prompt.escapedBrace('{'));
    const end = prompt.findBrace('}', prompt.escapedBrace('}'));
    if (start === -1 || end === -1) return prompt.toString();
    // The frontend loops forever on a "}" before the "{"; refuse instead of hanging.
    if (end < start || ++rounds > maxRounds) throw refuse('');
    budget.left -= prompt.head.length;
    if (budget.left < 0) throw refuse(': its groups are nested too deeply');
    const options = prompt.slice(start + 1, end).split('|');
    const choice = options[Math.floor(random() * options.length)] ?? '';
    prompt.replace(start, end, choice);
  }
}
