/** The view group's load generator on its own thread (see http-load.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { runHttpLoad, type LoadJob } from './http-load.js';

export type { LoadJob, LoadResult } from './http-load.js';

parentPort?.postMessage(await runHttpLoad(workerData as LoadJob));
