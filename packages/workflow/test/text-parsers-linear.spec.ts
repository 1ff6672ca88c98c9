import { describe, expect, it } from 'vitest';
import { resolveDynamicPrompt, stripComments } from '../src/convert/dynamic-prompts.js';
import {
  applyTextReplacements,
  formatDate,
  ReplacementNodes,
  type ReplacementNode,
} from '../src/convert/text-replacements.js';

/** The frontend's (v1.4.x) algorithm as it was copied here first: the reference the linear one must match. */
function frontendDynamicPrompt(text: string, random: () => number): string {
  let prompt = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, '');
  let rounds = 0;
  while (prompt.replace('\\{', '').includes('{') && prompt.replace('\\}', '').includes('}')) {
    const start = prompt.replace('\\{', '00').indexOf('{');
    const end = prompt.replace('\\}', '00').indexOf('}');
    if (end < start || ++rounds > 10_000) throw new Error('refused');
    const options = prompt.substring(start + 1, end).split('|');
    const choice = options[Math.floor(random() * options.length)] ?? '';
    prompt = prompt.substring(0, start) + choice + prompt.substring(end + 1);
  }
  return prompt;
}

/** mulberry32: a small seeded generator, so both algorithms see the same "random" choices. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function outcome(run: () => string): string {
  try {
    return `ok:${run()}`;
  } catch {
    return 'refused';
  }
}

function randomText(random: () => number, alphabet: string, maxLength: number): string {
  const length = Math.floor(random() * maxLength);
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

describe('dynamic prompts, linear', () => {
  it('strip comments exactly as the frontend regex does', () => {
    const random = seeded(7);
    for (let i = 0; i < 20_000; i++) {
      const text = randomText(random, '/*/*\n\r\u2028a ', 16);
      expect(stripComments(text), JSON.stringify(text)).toBe(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, ''));
    }
  });

  it('resolve groups exactly as the frontend loop does, escapes and nesting included', () => {
    const random = seeded(42);
    for (let i = 0; i < 30_000; i++) {
      const text = randomText(random, '{}{}||\\\\ab/*', 24);
      const seed = Math.floor(random() * 1e9);
      const expected = outcome(() => frontendDynamicPrompt(text, seeded(seed)));
      expect(
        outcome(() => resolveDynamicPrompt(text, seeded(seed))),
        JSON.stringify(text),
      ).toBe(expected);
    }
  });

  it('match the frontend on longer prompts with many groups', () => {
    const random = seeded(3);
    for (let i = 0; i < 300; i++) {
      const text = randomText(random, '{}|\\abc d,{|}', 600);
      const seed = Math.floor(random() * 1e9);
      expect(outcome(() => resolveDynamicPrompt(text, seeded(seed)))).toBe(
        outcome(() => frontendDynamicPrompt(text, seeded(seed))),
      );
    }
  });

  const hostile: Record<string, string> = {
    'an unclosed "/* " repeated 350,000 times': '/* '.repeat(350_000),
    '"/*" then "*" repeated': '/*' + '*'.repeat(1_000_000),
    '"//" repeated': '//'.repeat(500_000),
    '"/*/" repeated': '/*/'.repeat(350_000),
    'flat groups past the round limit': '{a|b}'.repeat(200_000),
    '9,000 groups before 1 MB of text': '{a|b}'.repeat(9_000) + 'x'.repeat(1_000_000),
    '9,000 groups before a far escaped brace': '{a}'.repeat(9_000) + 'x'.repeat(1_000_000) + '\\{\\}',
    'groups nested 100,000 deep': '{'.repeat(100_000) + '}'.repeat(100_000),
    'groups nested 3,000 deep around 300 KB': '{'.repeat(3_000) + 'y'.repeat(300_000) + '}'.repeat(3_000),
    'escaped braces repeated': '\\{'.repeat(300_000) + '}',
    'a huge option list': '{' + 'a|'.repeat(400_000) + '}',
    'closing braces only': '}'.repeat(1_000_000),
  };
  for (const [name, text] of Object.entries(hostile)) {
    it(`resolve ${name} in well under a second`, () => {
      const started = process.cpuUsage();
      outcome(() => resolveDynamicPrompt(text, Math.random));
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000).toBeLessThan(500);
    });
  }

  it('resolve 9,000 groups the way the frontend does', () => {
    const text = '{a|b}'.repeat(9_000) + ' tail';
    expect(resolveDynamicPrompt(text, () => 0.7)).toBe('b'.repeat(9_000) + ' tail');
  });
});

/** The frontend's `%…%` replacement as it was copied here first (a regex and a linear node search per match). */
function frontendReplacements(value: string, nodes: readonly ReplacementNode[], now: Date): string {
  return value.replace(/%([^%]+)%/g, (match, text: string) => {
    const split = text.split('.');
    const [nodeName = '', widgetName = ''] = split;
    if (split.length !== 2) {
      return nodeName.startsWith('date:') ? formatDate(nodeName.substring(5), now) : match;
    }
    let matches = nodes.filter((node) => node.properties['Node name for S&R'] === nodeName);
    if (!matches.length) matches = nodes.filter((node) => node.title === nodeName);
    const node = matches[0];
    if (!node) return match;
    const widget = node.widgetValue(widgetName);
    if (!widget.found) return match;
    // The test's widget values are strings, numbers and null only.
    return String((widget.value as string | number | null) ?? '').replaceAll(/\/|\\/g, '_');
  });
}

describe('%Node.widget% replacements, linear', () => {
  const node = (title: string, name: unknown, widgets: Record<string, unknown>): ReplacementNode => ({
    title,
    properties: name === undefined ? {} : { 'Node name for S&R': name },
    widgetValue: (widget) =>
      Object.prototype.hasOwnProperty.call(widgets, widget)
        ? { found: true, value: widgets[widget] }
        : { found: false, value: undefined },
  });
  const nodes = [
    node('A', 'B', { w: 'from-B/1' }),
    node('B', undefined, { w: 'title-B' }),
    node('C', 'A', { w: 7, v: null }),
    node('A', 'A', { w: 'second-A' }),
    node('date:y', undefined, { MM: 'dated' }),
  ];
  const now = new Date(2024, 11, 6, 9, 5, 3);

  it('replace exactly as the frontend does', () => {
    const random = seeded(11);
    const lookup = new ReplacementNodes(nodes);
    for (let i = 0; i < 20_000; i++) {
      const text = randomText(random, '%%..ABCwvdate:yM', 20);
      expect(applyTextReplacements(text, lookup, now), JSON.stringify(text)).toBe(
        frontendReplacements(text, nodes, now),
      );
    }
    for (const text of [
      '%date:yyyy-MM-dd%',
      '%date:yyyy.MM%',
      '%date:d.h.m%',
      '%A.w%%B.w%',
      '%%A.w%',
      '%C.v%',
    ]) {
      expect(applyTextReplacements(text, lookup, now), text).toBe(frontendReplacements(text, nodes, now));
    }
  });
});
