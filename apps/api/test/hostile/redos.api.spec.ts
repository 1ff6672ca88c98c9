import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickWorkflow, usersQueueGraphs } from '../comfy-kit.js';
import type { TestSession } from '../test-app.js';
import { expectRefusal, snapshot, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: ReDoS. Every parser of user text (dynamic prompts, the `%…%` replacements of save
 * nodes, path checks, the graph policy) answers hostile text of ~200 KB in linear time: well under a second,
 * with /api/health prompt right after.
 */
const defaultWorkflow = (
  JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL(
          '../../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
          import.meta.url,
        ),
      ),
      'utf8',
    ),
  ) as { workflow: { nodes: { id: number; type: string; widgets_values?: unknown[] }[] } }
).workflow;

/** The default UI workflow with one node's first widget replaced. */
function withWidget(nodeType: string, text: string): Record<string, unknown> {
  const workflow = structuredClone(defaultWorkflow);
  const node = workflow.nodes.find((n) => n.type === nodeType);
  if (!node) throw new Error(`${nodeType} is missing`);
  node.widgets_values = [text, ...(node.widgets_values ?? []).slice(1)];
  return workflow;
}

const n = 50_000;
const hostile: Record<string, string> = {
  '"/* " repeated': '/* '.repeat(n),
  '"//" lines': '//\n'.repeat(n),
  '{a|b} groups': '{a|b}'.repeat(n / 2),
  'unclosed groups': '{'.repeat(n * 2),
  'groups nested deep': '{'.repeat(n) + '}'.repeat(n),
  '"|" alone': '|'.repeat(n * 2),
  wildcards: '__a__'.repeat(n / 2),
  'unclosed wildcards': '__'.repeat(n),
  'percent signs': '%'.repeat(n * 2),
  'unclosed replacements': '%a.'.repeat(n),
  'date replacements': '%date:yyyy%'.repeat(n / 5),
  'escaped braces': '\\{'.repeat(n),
  weights: '(a:1.'.repeat(n / 2),
};

let harness: ComfyHarness;
let user: TestSession;
let admin: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness({ env: usersQueueGraphs });
  user = await harness.app.login('user');
  admin = await harness.app.login('admin');
});
afterAll(() => harness.close());

const app = () => harness.app;

const places = [
  {
    name: 'convert, prompt text',
    send: (text: string) =>
      app()
        .request.post('/api/comfy/workflows/convert')
        .set(user.bearer)
        .send({ workflow: withWidget('CLIPTextEncode', text) }),
  },
  {
    name: 'convert, SaveImage filename_prefix',
    send: (text: string) =>
      app()
        .request.post('/api/comfy/workflows/convert')
        .set(user.bearer)
        .send({ workflow: withWidget('SaveImage', text) }),
  },
  {
    name: 'queue, SaveImage filename_prefix (path check)',
    send: (text: string) => {
      const workflow = quickWorkflow();
      (workflow['2'] as { inputs: Record<string, unknown> }).inputs.filename_prefix = text;
      return app().request.post('/api/comfy/queue').set(admin.bearer).send({ workflow });
    },
  },
] as const;

const cases = places.flatMap((place) =>
  Object.entries(hostile).map(([kind, text]) => ({ name: `${place.name}: ${kind}`, place, text })),
);

describe('ReDoS', () => {
  it.each(cases)('$name answers in linear time, 4xx or converted', async ({ place, text }) => {
    const before = await snapshot(harness);
    const started = performance.now();
    const response = await place.send(text);
    const ms = performance.now() - started;
    const health = performance.now();
    expect((await app().request.get('/api/health')).status).toBe(200);
    expect(performance.now() - health).toBeLessThan(500);
    expect(ms).toBeLessThan(1000);
    // Converting answers 200 (a prompt, queued nowhere) or 422; queueing such a prefix is refused before ComfyUI.
    if (place.name.startsWith('queue')) expectRefusal(response, 400, 'validation_failed');
    else expect([200, 422], JSON.stringify(response.body).slice(0, 200)).toContain(response.status);
    expect(await snapshot(harness)).toEqual(before);
  });
});
