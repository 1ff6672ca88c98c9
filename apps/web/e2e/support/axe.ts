import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// axe-core injected as a plain script: `@axe-core/playwright` needs a newer Node than ours, and
// the engine itself is all it adds. Not through page.addScriptTag: the app's CSP (script-src
// 'self') refuses an inline <script>, and the tests must scan the app as it ships, CSP included.
// page.evaluate runs through the DevTools protocol, which the page's CSP does not govern.
let axeSource: string | undefined;
function axeScript(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/** The impacts that fail a page; minor and moderate ones are reported by axe but tolerated. */
const failingImpacts = new Set(['serious', 'critical']);

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

export interface AccessibleOptions {
  /** CSS selectors axe should leave out (e.g. a third-party frame); empty by default. */
  exclude?: string[];
}

/**
 * Runs axe-core on the page as it is now and fails with one line per serious or critical
 * violation (rule, where, what to do). `label` names the state in the failure message
 * ("gallery · dark · 375px"). Wait for the state you want scanned before calling.
 */
export async function expectAccessible(
  page: Page,
  label: string,
  options: AccessibleOptions = {},
): Promise<void> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axeScript());
  const violations = await page.evaluate(async (exclude: string[]) => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const context = exclude.length > 0 ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
    const result = await axe.run(context, { resultTypes: ['violations'] });
    return result.violations;
  }, options.exclude ?? []);
  const failing = (violations as AxeViolation[]).filter(
    (v) => v.impact !== null && failingImpacts.has(v.impact),
  );
  expect(failing.map(describe), `accessibility violations on ${label}`).toEqual([]);
}

function describe(violation: AxeViolation): string {
  const targets = violation.nodes
    .slice(0, 5)
    .map((node) => node.target.map(String).join(' '))
    .join(' | ');
  const more = violation.nodes.length > 5 ? ` (+${violation.nodes.length - 5} more)` : '';
  // The first node's summary says what is wrong there (e.g. the two colours and their ratio).
  const why = violation.nodes[0]?.failureSummary?.split('\n').slice(1, 2).join(' ').trim();
  return `[${violation.impact}] ${violation.id}: ${violation.help} — ${targets}${more}${why ? ` — ${why}` : ''} (${violation.helpUrl})`;
}
