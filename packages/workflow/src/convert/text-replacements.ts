/**
 * `%Node.widget%` and `%date:…%` substitution, applied by the frontend to save nodes' `filename_prefix` (and to
 * PrimitiveNode values whose "Run widget replace on values" property is on).
 */

export interface ReplacementNode {
  title: string;
  properties: Record<string, unknown>;
  widgetValue(name: string): { found: boolean; value: unknown };
}

const dateParts: Record<string, (d: Date) => number> = {
  d: (d) => d.getDate(),
  M: (d) => d.getMonth() + 1,
  h: (d) => d.getHours(),
  m: (d) => d.getMinutes(),
  s: (d) => d.getSeconds(),
};
const dateFormat = new RegExp(
  Object.keys(dateParts)
    .map((k) => `${k}${k}?`)
    .join('|') + '|yyy?y?',
  'g',
);

export function formatDate(text: string, date: Date): string {
  return text.replace(dateFormat, (token) => {
    if (token === 'yy') return String(date.getFullYear()).substring(2);
    if (token === 'yyyy') return String(date.getFullYear());
    const part = dateParts[token[0] ?? ''];
    return part ? String(part(date)).padStart(token.length, '0') : token;
  });
}

/** Thrown when replacements would grow the text past the conversion's budget. */
export class TextReplacementError extends Error {}

/** The frontend's node lookup for `%Node.widget%`: by "Node name for S&R" first, then by title; first in order wins. */
export class ReplacementNodes {
  private readonly byName = new Map<string, ReplacementNode>();
  private readonly byTitle = new Map<string, ReplacementNode>();

  constructor(nodes: readonly ReplacementNode[]) {
    for (const node of nodes) {
      const name = node.properties['Node name for S&R'];
      if (typeof name === 'string' && !this.byName.has(name)) this.byName.set(name, node);
      if (!this.byTitle.has(node.title)) this.byTitle.set(node.title, node);
    }
  }

  find(name: string): ReplacementNode | undefined {
    return this.byName.get(name) ?? this.byTitle.get(name);
  }
}

/**
 * Characters that `%Node.widget%` replacements may insert. A prefix repeating a reference to a large widget would
 * otherwise multiply the body's size; one budget is shared by the whole workflow.
 */
export interface ReplacementBudget {
  left: number;
}

export function replacementBudget(): ReplacementBudget {
  return { left: 4 * 1024 * 1024 };
}

/** `value.replace(/%([^%]+)%/g, …)` of the frontend, as one scan. */
export function applyTextReplacements(
  value: string,
  nodes: ReplacementNodes,
  now: Date,
  budget: ReplacementBudget = replacementBudget(),
): string {
  const parts: string[] = [];
  let copyFrom = 0;
  for (let open = value.indexOf('%'); open !== -1;) {
    const close = value.indexOf('%', open + 1);
    if (close === -1) break;
    if (close === open + 1) {
      open = close;
      continue;
    }
    const replaced = replacement(value.slice(open + 1, close), nodes, now);
    if (replaced !== undefined) {
      budget.left -= replaced.length;
      if (budget.left < 0) {
        throw new TextReplacementError(
          `its %…% replacements make the text longer than ${replacementBudget().left} characters`,
        );
      }
      parts.push(value.slice(copyFrom, open), replaced);
      copyFrom = close + 1;
    }
    open = value.indexOf('%', close + 1);
  }
  if (copyFrom === 0) return value;
  parts.push(value.slice(copyFrom));
  return parts.join('');
}

/** What `%text%` becomes, or undefined when it stays as it is. */
function replacement(text: string, nodes: ReplacementNodes, now: Date): string | undefined {
  const dot = text.indexOf('.');
  if (dot === -1 || text.indexOf('.', dot + 1) !== -1) {
    // Not `Node.widget`: only `%date:…%` (whose format may hold dots) is replaced.
    const nodeName = dot === -1 ? text : text.slice(0, dot);
    return nodeName.startsWith('date:') ? formatDate(nodeName.substring(5), now) : undefined;
  }
  const widget = nodes.find(text.slice(0, dot))?.widgetValue(text.slice(dot + 1));
  return widget?.found ? stringify(widget.value ?? '').replaceAll(/\/|\\/g, '_') : undefined;
}

/** JavaScript's `value + ''` for JSON values. */
function stringify(value: unknown): string {
  if (Array.isArray(value))
    return value.map((item) => (item === null || item === undefined ? '' : stringify(item))).join(',');
  if (typeof value === 'object' && value !== null) return '[object Object]';
  return String(value);
}
