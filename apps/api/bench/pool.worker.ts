/**
 * The pool group's users on their own thread: posts batches of jobs (all of a batch at once) to
 * POST /api/comfy/queue, so building requests and reading answers does not run on the API's event loop.
 */
import { defaultTxt2ImgGraph } from '@atelier/workflow';
import { parentPort, workerData } from 'node:worker_threads';

export interface PoolWorkerSetup {
  api: string;
  steps: number;
}

export interface PoolBatch {
  batch: number;
  owner: string;
  authorization: string;
  count: number;
}

export interface PoolSubmitted {
  promptId: string;
  owner: string;
  /** When its POST was sent (epoch ms). */
  sentAt: number;
}

export interface PoolBatchDone {
  batch: number;
  jobs: PoolSubmitted[];
}

const { api, steps } = workerData as PoolWorkerSetup;
let seed = 0;

/** A short sampler job; a new seed each time, or the simulator would answer from its cache. */
function shortJob(): Record<string, unknown> {
  const graph = defaultTxt2ImgGraph('bench/pool');
  seed += 1;
  Object.assign(graph['3']!.inputs, { seed, steps, cfg: 7, sampler_name: 'euler', scheduler: 'normal' });
  graph['4']!.inputs.ckpt_name = 'sd_xl_base_1.0.safetensors';
  Object.assign(graph['5']!.inputs, { width: 64, height: 64, batch_size: 1 });
  graph['6']!.inputs.text = 'bench';
  graph['7']!.inputs.text = '';
  return graph;
}

async function submit(owner: string, authorization: string): Promise<PoolSubmitted> {
  const body = JSON.stringify({ workflow: shortJob() });
  const sentAt = Date.now();
  const response = await fetch(`${api}/api/comfy/queue`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    body,
  });
  if (!response.ok)
    throw new Error(`POST /api/comfy/queue as ${owner}: ${response.status} ${await response.text()}`);
  const { prompt_id: promptId } = (await response.json()) as { prompt_id: string };
  return { promptId, owner, sentAt };
}

parentPort?.on('message', (message: PoolBatch | 'close') => {
  if (message === 'close') process.exit(0);
  const { batch, owner, authorization, count } = message;
  // A failed POST rejects unhandled: the worker dies with it, and the group's wait for this batch fails.
  void Promise.all(Array.from({ length: count }, () => submit(owner, authorization))).then((jobs) =>
    parentPort?.postMessage({ batch, jobs } satisfies PoolBatchDone),
  );
});
