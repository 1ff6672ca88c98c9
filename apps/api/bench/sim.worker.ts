/** Runs the ComfyUI simulator on its own thread, so it does not share the API's event loop. */
import { startComfySim } from '@atelier/comfy-sim';
import { parentPort, workerData } from 'node:worker_threads';

const { stepMs } = workerData as { stepMs: number };
const sim = await startComfySim({ port: 0, stepMs });
parentPort?.postMessage({ url: sim.url, dataDir: sim.dataDir });
parentPort?.on('message', (message: unknown) => {
  if (message === 'close') void sim.close().then(() => process.exit(0));
});
