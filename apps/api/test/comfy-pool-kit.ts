import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { BackendListResponse, BackendView } from '@atelier/contract';
import { comfyEnv, presetFiles, samplerWorkflow, usersQueueGraphs, waitFor } from './comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** GET /api/admin/backends, as an admin sees it. */
export async function listBackends(app: TestApp, admin: TestSession): Promise<BackendView[]> {
  return (
    (await app.request.get('/api/admin/backends').set(admin.bearer).expect(200)).body as BackendListResponse
  ).items;
}

/** POST /api/admin/backends: a backend named `name` at `url` (201 expected). */
export async function addBackend(
  app: TestApp,
  admin: TestSession,
  name: string,
  url: string,
): Promise<BackendView> {
  return (await app.request.post('/api/admin/backends').set(admin.bearer).send({ name, url }).expect(201))
    .body as BackendView;
}

/** The sampler graph asking for checkpoint `name`: routing by model makes the backend of each job certain. */
export function withCheckpoint(name: string, steps: number): Record<string, unknown> {
  const graph = samplerWorkflow(steps, `uses ${name}`);
  (graph['4'] as { inputs: Record<string, unknown> }).inputs.ckpt_name = name;
  return graph;
}

export interface ComfyPool {
  app: TestApp;
  admin: TestSession;
  /** The default backend (COMFY_API_URL). */
  first: ComfySim;
  /** Added by the admin, named 'second'. */
  second: ComfySim;
  firstId: number;
  secondId: number;
  close(): Promise<void>;
}

/**
 * Two simulators, the first the default backend, the second added by an admin; both up, warmed and with their
 * object_info known (routing reads it) before it returns. `models` gives each its own checkpoints.
 */
export async function startComfyPool({
  models,
  env = {},
  stepMs = 5,
}: {
  models?: [string[], string[]];
  env?: Record<string, string>;
  stepMs?: number;
} = {}): Promise<ComfyPool> {
  const sim = (i: 0 | 1) =>
    startComfySim({ port: 0, stepMs, ...(models ? { models: { checkpoints: models[i] } } : {}) });
  const [first, second] = await Promise.all([sim(0), sim(1)]);
  const closeSims = async () => {
    await Promise.all([first.close(), second.close()]);
  };
  let app: TestApp;
  try {
    app = await createTestApp({
      files: presetFiles,
      env: comfyEnv(first.url, { ...usersQueueGraphs, ...env }),
    });
  } catch (error) {
    await closeSims();
    throw error;
  }
  const close = async () => {
    await app.close();
    await closeSims();
  };
  try {
    const admin = await app.login('admin');
    const secondId = (await addBackend(app, admin, 'second', second.url)).id;
    const backends = await waitFor(
      () => listBackends(app, admin),
      (items) => items.length === 2 && items.every((b) => b.state === 'up' && b.object_info_at !== null),
      { timeoutMs: 15_000 },
    );
    const firstId = backends.find((b) => b.id !== secondId)!.id;
    return { app, admin, first, second, firstId, secondId, close };
  } catch (error) {
    await close();
    throw error;
  }
}
