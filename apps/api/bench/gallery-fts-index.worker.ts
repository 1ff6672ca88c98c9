/** The seeder's full-text index, built on a thread of its own (see gallery-fts-index.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { facetTokens } from '#api/gallery/search/facet-tokens.js';
import { buildFtsIndex, type FtsJob } from './gallery-fts-index.js';
import { threadCpuMs } from './thread-cpu.js';

buildFtsIndex(workerData as FtsJob, facetTokens);
parentPort?.postMessage({ cpuMs: threadCpuMs() });
