/** The seeder's full-text index, built on a thread of its own (see gallery-fts-build.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { buildFtsDatabase, type FtsJob } from './gallery-fts-build.js';

buildFtsDatabase(workerData as FtsJob);
parentPort?.postMessage('done');
