/**
 * The `requests` bench group's outside world, in a child process of its own: the ComfyUI simulator and
 * the load generator. process.cpuUsage() counts every thread of a process, so neither may share the
 * API's process while its CPU per request is measured.
 */
import { startComfySim } from '@atelier/comfy-sim';
import { Agent, request } from 'node:http';

export interface RequestsLoad {
  type: 'load';
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  total: number;
}

export type RequestsClientMessage =
  | { type: 'sim'; url: string }
  | { type: 'result'; latenciesMs: number[]; elapsedMs: number; failures: number; statuses: number[] };

const send = (message: RequestsClientMessage) => process.send?.(message);

async function load(job: RequestsLoad): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const once = (): Promise<{ ms: number; status: number }> => {
    const started = performance.now();
    return new Promise((resolve) => {
      const req = request(job.url, { agent, headers: job.headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      });
      req.on('error', () => resolve({ ms: performance.now() - started, status: 0 }));
      req.end();
    });
  };
  const latenciesMs: number[] = [];
  const statuses = new Set<number>();
  let failures = 0;
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (started < job.total) {
        started += 1;
        const result = await once();
        if (result.status !== 200) {
          failures += 1;
          statuses.add(result.status);
        }
        latenciesMs.push(result.ms);
      }
    }),
  );
  const elapsedMs = performance.now() - begin;
  agent.destroy();
  send({ type: 'result', latenciesMs, elapsedMs, failures, statuses: [...statuses] });
}

const sim = await startComfySim({ port: 0, stepMs: 50 });
send({ type: 'sim', url: sim.url });
process.on('message', (message: RequestsLoad | { type: 'close' }) => {
  if (message.type === 'load') void load(message);
  else void sim.close().then(() => process.exit(0));
});
