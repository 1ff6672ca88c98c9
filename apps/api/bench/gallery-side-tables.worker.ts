/** The seeder's full-text index and link tables, built on a thread of their own (gallery-side-tables.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { buildSideTables, type SideTablesJob } from './gallery-side-tables.js';

buildSideTables(workerData as SideTablesJob);
parentPort?.postMessage('done');
