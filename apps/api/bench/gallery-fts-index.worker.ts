/** The seeder's full-text index, built on a thread of its own (see gallery-fts-index.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { buildFtsIndex, type FtsJob } from './gallery-fts-index.js';
import { threadCpuMs } from './thread-cpu.js';

buildFtsIndex(workerData as FtsJob);
parentPort?.postMessage({ cpuMs: threadCpuMs() });
