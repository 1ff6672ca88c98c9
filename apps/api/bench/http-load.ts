/** A closed-loop HTTP load: `total` GETs of one URL, `concurrency` at a time, on keep-alive sockets. */
import { Agent, request } from 'node:http';

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  total: number;
}

export interface LoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  bytes: number;
  failures: number;
  /** Why requests failed: `status 502`, `ECONNRESET`, … → how many. */
  failureKinds: Record<string, number>;
}

export async function runHttpLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const once = (): Promise<{ ms: number; bytes: number; ok: boolean; kind: string }> => {
    const started = performance.now();
    return new Promise((resolve) => {
      const req = request(job.url, { agent, headers: job.headers }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          resolve({
            ms: performance.now() - started,
            bytes,
            ok: res.statusCode === 200,
            kind: `status ${res.statusCode}`,
          }),
        );
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ ms: performance.now() - started, bytes: 0, ok: false, kind: error.code ?? error.message }),
      );
      req.end();
    });
  };

  const latenciesMs: number[] = [];
  let bytes = 0;
  let failures = 0;
  const failureKinds: Record<string, number> = {};
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (started < job.total) {
        started += 1;
        const result = await once();
        if (!result.ok) {
          failures += 1;
          failureKinds[result.kind] = (failureKinds[result.kind] ?? 0) + 1;
        }
        latenciesMs.push(result.ms);
        bytes += result.bytes;
      }
    }),
  );
  const elapsedMs = performance.now() - begin;
  agent.destroy();
  return { latenciesMs, elapsedMs, bytes, failures, failureKinds };
}
