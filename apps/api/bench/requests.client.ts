/**
 * The `requests` bench group's outside world, in a child process of its own: the ComfyUI simulator and
 * the load generator. process.cpuUsage() counts every thread of a process, so neither may share the
 * API's process while its CPU per request is measured.
 */
import { startComfySim } from '@atelier/comfy-sim';
import { runHttpLoad } from './http-load.js';

export interface RequestsLoad {
  type: 'load';
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  total: number;
}

export type RequestsClientMessage =
  | { type: 'sim'; url: string }
  | {
      type: 'result';
      latenciesMs: number[];
      elapsedMs: number;
      failures: number;
      failureKinds: Record<string, number>;
    };

const send = (message: RequestsClientMessage) => process.send?.(message);

async function load(job: RequestsLoad): Promise<void> {
  const { latenciesMs, elapsedMs, failures, failureKinds } = await runHttpLoad(job);
  send({ type: 'result', latenciesMs, elapsedMs, failures, failureKinds });
}

const sim = await startComfySim({ port: 0, stepMs: 50 });
send({ type: 'sim', url: sim.url });
process.on('message', (message: RequestsLoad | { type: 'close' }) => {
  if (message.type === 'load') void load(message);
  else void sim.close().then(() => process.exit(0));
});
