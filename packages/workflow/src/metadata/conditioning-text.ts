/**
 * The prompt text that reaches a sampler's positive or negative input: through text encoders (CLIPTextEncode and
 * its SDXL/SD3/Flux variants), conditioning combinators and pass-throughs (ConditioningCombine/Concat/Average,
 * SetArea, ControlNetApply…), and text inputs wired from string nodes (literals, concatenations, wildcards).
 */
import { hasOwn } from '../json.js';
import {
  entriesOf,
  hasLinkInput,
  inputOf,
  linkOf,
  maxDepth,
  nameInput,
  type GraphNode,
  type GraphReader,
  type LinkedNode,
} from './graph-reader.js';

/** The text widgets of the core encoders, in the order their texts are joined. */
const textKeys = [
  'populated_text',
  'text',
  'text_g',
  'text_l',
  'clip_l',
  'clip_g',
  't5xxl',
  'prompt',
  'bert',
  'mt5xl',
];
/** conditioning, conditioning_1, conditioning_to, conditioning_from, cond1, … */
const conditioningKey = /^cond(itioning)?(_?[a-z\d]+)?$/;
/** Options of string nodes that are not part of the text they output. */
const stringOptionKeys = new Set([
  'delimiter',
  'separator',
  'clean_whitespace',
  'linebreak_addition',
  'mode',
  'wildcard_text',
]);
export type PromptSide = 'positive' | 'negative';

/** Characters produced over one walk: a crafted graph of ever-growing joins stops here. */
const maxTotalChars = 1_000_000;
const maxTextLength = 20_000;

export class TextResolver {
  private readonly memo = new Map<string, string | null>();
  private readonly active = new Set<string>();
  private charsLeft = maxTotalChars;

  constructor(private readonly reader: GraphReader) {}

  /**
   * The text of the conditioning a link carries, for the sampler input `side`; '' when it is known to be empty,
   * null when unknown.
   */
  conditioning(value: unknown, side: PromptSide, depth = 0): string | null {
    const linked = depth < maxDepth ? this.reader.follow(value) : null;
    if (!linked) return null;
    const key = `c:${side}:${linked.node.id}:${linked.slot}`;
    return this.memoized(key, () => this.conditioningOf(linked, side, depth));
  }

  /** A literal string, or the string a string node outputs. */
  string(value: unknown, depth: number): string | null {
    if (typeof value === 'string') return this.produce(value.trim());
    const linked = depth < maxDepth ? this.reader.follow(value) : null;
    if (!linked) return null;
    return this.memoized(`s:${linked.node.id}:${linked.slot}`, () => this.stringOf(linked, depth));
  }

  private conditioningOf({ node, slot }: LinkedNode, side: PromptSide, depth: number): string | null {
    if (node.classType === 'ConditioningZeroOut') return '';
    // ControlNetApplyAdvanced, InpaintModelConditioning, …: outputs 0 and 1 are the positive and negative.
    if (hasLinkInput(node, 'positive') && hasLinkInput(node, 'negative')) {
      const output = slot === 0 ? 'positive' : slot === 1 ? 'negative' : null;
      return output ? this.conditioning(inputOf(node, output), side, depth + 1) : null;
    }
    // Loaders that encode both texts themselves (Efficiency Nodes' Efficient Loader, …) output both conditionings.
    if (typeof inputOf(node, 'positive') === 'string' && typeof inputOf(node, 'negative') === 'string') {
      return this.string(inputOf(node, side), depth + 1);
    }
    const pieces: (string | null)[] = [];
    for (const [name, value] of entriesOf(node)) {
      if (conditioningKey.test(name) && linkOf(value)) pieces.push(this.conditioning(value, side, depth + 1));
    }
    for (const key of textKeys) {
      if (hasOwn(node.inputs, key)) pieces.push(this.string(inputOf(node, key), depth + 1));
    }
    return this.join(pieces, '\n');
  }

  /** Generic string nodes: every input a string or a link to one, joined with the node's delimiter. */
  private stringOf({ node, slot }: LinkedNode, depth: number): string | null {
    const populated = nameInput(node, 'populated_text');
    if (populated !== null) return this.produce(populated);
    const sided = sidedInput(node, slot);
    if (sided !== undefined) return this.string(sided, depth + 1);
    const delimiter = [inputOf(node, 'delimiter'), inputOf(node, 'separator')].find(
      (v) => typeof v === 'string',
    );
    const pieces: string[] = [];
    for (const [name, value] of entriesOf(node)) {
      if (stringOptionKeys.has(name) || typeof value === 'number' || typeof value === 'boolean') continue;
      // Anything else (a MODEL link, an object) means this is not a string node.
      const text = typeof value === 'string' || linkOf(value) ? this.string(value, depth + 1) : null;
      if (text === null) return null;
      if (text !== '') pieces.push(text);
    }
    if (!entriesOf(node).some(([, value]) => typeof value === 'string' || linkOf(value))) return null;
    return this.produce(pieces.join(typeof delimiter === 'string' ? delimiter : ', '));
  }

  /** Distinct known pieces (the SDXL encoder's text_g and text_l are usually the same text). */
  private join(pieces: (string | null)[], separator: string): string | null {
    const known = pieces.filter((piece): piece is string => piece !== null);
    if (!known.length) return null;
    return this.produce([...new Set(known.filter((piece) => piece !== ''))].join(separator));
  }

  private produce(text: string): string | null {
    const clipped = text.length > maxTextLength ? text.slice(0, maxTextLength) : text;
    this.charsLeft -= clipped.length;
    return this.charsLeft < 0 ? null : clipped;
  }

  private memoized(key: string, compute: () => string | null): string | null {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    // A link back into a node being resolved is a cycle: that path says nothing.
    if (this.active.has(key)) return null;
    this.active.add(key);
    const text = compute();
    this.active.delete(key);
    this.memo.set(key, text);
    return text;
  }
}

/** A styler-like node with positive and negative texts: output 0 is the positive one, output 1 the negative. */
function sidedInput(node: GraphNode, slot: number): unknown {
  const entries = entriesOf(node).filter(([, value]) => typeof value === 'string' || linkOf(value));
  const positive = entries.find(([name]) => /positive/i.test(name));
  const negative = entries.find(([name]) => /negative/i.test(name));
  if (!positive || !negative) return undefined;
  if (slot === 0) return positive[1];
  return slot === 1 ? negative[1] : undefined;
}
