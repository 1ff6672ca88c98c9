import { describe, expect, it } from 'vitest';
import { convertUiWorkflow, WorkflowConversionError, type ConversionIssue } from '../src/index.js';
import { graphLimits } from '../src/convert/ui-graph.js';
import { pairsObjectInfo } from './golden-pairs.js';

/**
 * Workflows built to make the converter slow: each converts (or is refused with a conversion issue) in well under
 * half a second. Before, `/* ` repeated blocked for seconds to minutes and large graphs took quadratic time.
 */
const objectInfo = pairsObjectInfo();
// CPU time, not wall time: the bound is about the work done, whatever else the machine is running.
const bound = 500;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function timed(workflow: unknown): {
  ms: number;
  prompt?: Record<string, { inputs: Record<string, unknown> }>;
  issues?: ConversionIssue[];
} {
  const started = process.cpuUsage();
  try {
    const { prompt } = convertUiWorkflow(workflow, objectInfo, { random: () => 0 });
    return { ms: cpuMsSince(started), prompt };
  } catch (error) {
    if (!(error instanceof WorkflowConversionError)) throw error;
    return { ms: cpuMsSince(started), issues: error.issues };
  }
}

const text = (value: string, id = 1) => ({ id, type: 'CLIPTextEncode', widgets_values: [value] });
const save = (prefix: string, id = 1) => ({ id, type: 'SaveImage', widgets_values: [prefix] });
const chainLinks = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, i, 0, i + 1, 0, '*']);

/** Reroutes 1 … last − 1, link i into node i, then node `last`: an EmptyImage whose width widget takes link `last`. */
function rerouteChainToWidth(last: number): unknown[] {
  const nodes: unknown[] = [];
  for (let i = 1; i < last; i++) {
    nodes.push({
      id: i,
      type: 'Reroute',
      inputs: [{ name: '', type: '*', link: i }],
      outputs: [{ links: [i + 1] }],
    });
  }
  nodes.push({
    id: last,
    type: 'EmptyImage',
    inputs: [{ name: 'width', type: 'INT', widget: { name: 'width' }, link: last }],
    widgets_values: [8, 8, 1, 0],
  });
  return nodes;
}

describe('hostile workflows convert in linear time', () => {
  it('a prompt of "/* " repeated 350,000 times (1 MB, no comment end)', () => {
    const value = '/* '.repeat(350_000);
    const result = timed({ nodes: [text(value)], links: [] });
    expect(result.prompt?.['1']?.inputs.text).toBe(value);
    expect(result.ms).toBeLessThan(bound);
  });

  it('prompts of other comment shapes: "//", "/*/", "/**" repeated', () => {
    for (const value of [
      '//'.repeat(500_000),
      '/*/'.repeat(350_000),
      '/*' + '*'.repeat(1_000_000),
      '*/'.repeat(500_000),
    ]) {
      const result = timed({ nodes: [text(value)], links: [] });
      expect(result.prompt, value.slice(0, 6)).toBeDefined();
      expect(result.ms, value.slice(0, 6)).toBeLessThan(bound);
    }
  });

  it('200,000 {a|b} groups: refused past the frontend round limit, quickly', () => {
    const result = timed({ nodes: [text('{a|b}'.repeat(200_000))], links: [] });
    expect(result.issues?.[0]?.reason).toMatch(/cannot resolve the dynamic prompt/);
    expect(result.ms).toBeLessThan(bound);
  });

  it('9,000 groups ahead of 1 MB of text resolve, quickly', () => {
    const result = timed({ nodes: [text('{a|b}'.repeat(9_000) + 'x'.repeat(1_000_000))], links: [] });
    expect(result.prompt?.['1']?.inputs.text).toBe('a'.repeat(9_000) + 'x'.repeat(1_000_000));
    expect(result.ms).toBeLessThan(bound);
  });

  it('many prompts with deeply nested groups share one budget', () => {
    const nested = '{'.repeat(2_000) + '}'.repeat(2_000);
    const nodes = Array.from({ length: 250 }, (_, i) => text(nested, i + 1));
    const result = timed({ nodes, links: [] });
    expect(result.issues?.some((issue) => /nested too deeply/.test(issue.reason))).toBe(true);
    expect(result.ms).toBeLessThan(bound);
  });

  it('a file name prefix of 200,000 %Node.widget% references', () => {
    const result = timed({ nodes: [save('%a.b%'.repeat(200_000))], links: [] });
    expect(result.prompt?.['1']?.inputs.filename_prefix).toBe('%a.b%'.repeat(200_000));
    expect(result.ms).toBeLessThan(bound);
  });

  it('2,000 save nodes with 20 references each (the node lookup was per reference)', () => {
    const nodes = Array.from({ length: 2_000 }, (_, i) => save('%Nope.filename_prefix%'.repeat(20), i + 1));
    const result = timed({ nodes, links: [] });
    expect(result.prompt?.['2000']).toBeDefined();
    expect(result.ms).toBeLessThan(bound);
  });

  it('a prefix that would multiply a large widget by repeating it is refused', () => {
    const nodes = [
      save('%N.text%'.repeat(50_000)),
      { ...text('x'.repeat(500_000), 2), properties: { 'Node name for S&R': 'N' } },
    ];
    const result = timed({ nodes, links: [] });
    expect(result.issues?.[0]?.reason).toMatch(/replacements make the text longer than/);
    expect(result.ms).toBeLessThan(bound);
  });

  it('2,500 primitives feeding one widget through a chain of 2,500 Reroutes', () => {
    const nodes: unknown[] = [];
    for (let i = 0; i < 2_500; i++) {
      nodes.push({ id: `p${i}`, type: 'PrimitiveNode', widgets_values: [5], outputs: [{ links: [1] }] });
    }
    nodes.push(...rerouteChainToWidth(2_499));
    const result = timed({ nodes, links: chainLinks(2_499) });
    expect(result.issues?.[0]?.reason).toMatch(/Reroute or bypassed nodes more than/);
    expect(result.ms).toBeLessThan(bound);
  });

  it('a Reroute chain 4,000 long converts (the walk is not recursive)', () => {
    const nodes: unknown[] = [
      { id: 0, type: 'PrimitiveNode', widgets_values: [64], outputs: [{ links: [1] }] },
    ];
    nodes.push(...rerouteChainToWidth(4_000));
    const result = timed({ nodes, links: chainLinks(4_000) });
    expect(result.prompt?.['4000']?.inputs.width).toBe(64);
    expect(result.ms).toBeLessThan(bound);
  });

  it(`refuses more than ${graphLimits.nodes} nodes, ${graphLimits.links} links or ${graphLimits.slots} slots`, () => {
    const node = (i: number) => ({ id: i + 1, type: 'EmptyImage', widgets_values: [8, 8, 1, 0] });
    const many = timed({
      nodes: Array.from({ length: graphLimits.nodes + 1 }, (_, i) => node(i)),
      links: [],
    });
    expect(many.issues?.[0]?.reason).toMatch(/at most 5000 are accepted/);
    const links = timed({ nodes: [node(0)], links: chainLinks(graphLimits.links + 1) });
    expect(links.issues?.[0]?.reason).toMatch(/links; at most/);
    const inputs = Array.from({ length: graphLimits.slots + 1 }, () => ({
      name: 'x',
      type: 'INT',
      link: null,
    }));
    const slots = timed({ nodes: [{ ...node(0), inputs }], links: [] });
    expect(slots.issues?.[0]?.reason).toMatch(/slots and links; at most/);
    const fits = timed({ nodes: Array.from({ length: graphLimits.nodes }, (_, i) => node(i)), links: [] });
    expect(Object.keys(fits.prompt ?? {})).toHaveLength(graphLimits.nodes);
  });

  it('names node types that are Object.prototype members as missing, not a crash', () => {
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const result = timed({ nodes: [{ id: 1, type, widgets_values: [] }], links: [] });
      expect(result.issues?.[0]?.reason, type).toMatch(/is not installed/);
    }
  });
});
