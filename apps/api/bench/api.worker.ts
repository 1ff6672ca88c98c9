/**
 * A second API instance on its own thread (the cold, cache-disabled one), so the two instances share no
 * module-level state (the request logger's AsyncLocalStorage among it) and each has its own event loop.
 * Answers `cpu` with this thread's CPU time so far (ms), so the bench can charge each round its cost.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import { threadCpuMs } from './thread-cpu.js';
import { viewerCookie } from './view-viewer.js';

export interface ApiWorkerReady {
  api: string;
  cookie: string;
}

const { env, password } = workerData as { env: Record<string, string>; password: string };
const app = await createApp(loadConfig(env));
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address();
const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
const cookie = await viewerCookie(app, api, password);
parentPort?.postMessage({ api, cookie } satisfies ApiWorkerReady);
parentPort?.on('message', (message: unknown) => {
  if (message === 'close') void app.close().then(() => process.exit(0));
  if (message === 'cpu') parentPort?.postMessage({ cpuMs: threadCpuMs() });
});
