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

export function applyTextReplacements(value: string, nodes: readonly ReplacementNode[], now: Date): string {
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
    return stringify(widget.value ?? '').replaceAll(/\/|\\/g, '_');
  });
}

/** JavaScript's `value + ''` for JSON values. */
function stringify(value: unknown): string {
  if (Array.isArray(value))
    return value.map((item) => (item === null || item === undefined ? '' : stringify(item))).join(',');
  if (typeof value === 'object' && value !== null) return '[object Object]';
  return String(value);
}
