import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComfyHarness, usersQueueGraphs, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Hostile text in a UI workflow used to block the event loop: the comment regex of dynamic prompts took quadratic
 * time on `/* ` repeated (60 KB: a second; 1 MiB: minutes), freezing every other request. /api/health must keep
 * answering while such workflows are converted.
 */
const defaultWorkflow = (
  JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL(
          '../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
          import.meta.url,
        ),
      ),
      'utf8',
    ),
  ) as { workflow: { nodes: { id: number; widgets_values?: unknown[] }[] } }
).workflow;

/** The default workflow with its positive prompt (node 6, a dynamicPrompts text widget) replaced. */
function withPrompt(text: string): Record<string, unknown> {
  const workflow = structuredClone(defaultWorkflow);
  const node = workflow.nodes.find((n) => n.id === 6);
  if (!node) throw new Error('node 6 is missing');
  node.widgets_values = [text];
  return workflow;
}

/** Fits the 1 MiB body limit with the rest of the workflow. */
const hostile: Record<string, string> = {
  '"/* " repeated 345,000 times': '/* '.repeat(345_000),
  '"/*/" repeated': '/*/'.repeat(345_000),
  '{a|b} groups repeated past the round limit': '{a|b}'.repeat(200_000),
  'groups nested 100,000 deep': '{'.repeat(100_000) + '}'.repeat(100_000),
};

/** Far above a loaded machine's worst (~0.5 s health, ~1 s conversion), far below the quadratic code's seconds to minutes. */
const maxConversionMs = 10_000;
const maxHealthMs = 3_000;

/** How long /api/health takes, polled back to back until `until` settles. */
async function healthLatencies(app: TestApp, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const started = performance.now();
    const res = await app.request.get('/api/health');
    latencies.push(performance.now() - started);
    expect(res.status).toBe(200);
  }
  return latencies;
}

describe('hostile prompt text does not freeze the API', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let user: TestSession;

  beforeAll(async () => {
    harness = await startComfyHarness({ env: usersQueueGraphs });
    app = harness.app;
    user = await app.login('user');
  });
  afterAll(() => harness.close());

  for (const [name, text] of Object.entries(hostile)) {
    it(`POST /api/comfy/workflows/convert with ${name}: answered, and /api/health stays prompt`, async () => {
      const started = performance.now();
      const conversion = app.request
        .post('/api/comfy/workflows/convert')
        .set(user.bearer)
        .send({ workflow: withPrompt(text) })
        .then((res) => ({ res, ms: performance.now() - started }));
      const latencies = await healthLatencies(app, conversion);
      const { res, ms } = await conversion;

      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(500);
      expect([200, 422]).toContain(res.status);
      if (res.status === 200) {
        expect(
          (res.body as { prompt: Record<string, { inputs: { text?: unknown } }> }).prompt['6']?.inputs.text,
        ).toEqual(text.startsWith('/* ') ? text : expect.any(String));
      } else {
        expect(res.body.code).toBe('comfy.conversion_failed');
      }
      // Minutes before (quadratic: 60 KB took a second, 1 MiB ~300 s); now a fraction of a second. The
      // bounds sit far from both, so a loaded CI machine does not fail them and the old code could not pass.
      expect(ms).toBeLessThan(maxConversionMs);
      expect(latencies.length).toBeGreaterThan(0);
      expect(Math.max(...latencies)).toBeLessThan(maxHealthMs);
    });
  }

  it('POST /api/comfy/queue with "/* " repeated: queued, and /api/health stays prompt', async () => {
    const queued = app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .set('Origin', app.origin)
      .send({ workflow: withPrompt('/* '.repeat(345_000)) })
      .then((res) => res);
    const latencies = await healthLatencies(app, queued);
    const res = await queued;
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    expect(res.body.prompt_id).toEqual(expect.any(String));
    expect(Math.max(...latencies)).toBeLessThan(maxHealthMs);
  });
});
