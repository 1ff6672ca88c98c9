/** A share of the load run's users on a thread of its own, so the client's work does not load the API's. */
import { parentPort, workerData } from 'node:worker_threads';
import { runUsers, type LoadOptions } from './load-users.js';

parentPort?.postMessage(await runUsers(workerData as LoadOptions));
