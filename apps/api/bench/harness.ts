/** Pieces shared by the bench and the load run: worker threads, their first messages, percentiles. */
import { Worker } from 'node:worker_threads';

/** A worker on a compiled file beside this one (bench/dist/…). */
export function worker(file: string, data: unknown): Worker {
  return new Worker(new URL(file, import.meta.url), { workerData: data });
}

/** The worker's next message that `accept` takes (any by default); rejects on the worker's error. */
export function message<T>(instance: Worker, accept: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: T) => {
      if (!accept(value)) return;
      instance.off('message', onMessage);
      resolve(value);
    };
    instance.on('message', onMessage);
    instance.once('error', reject);
  });
}

/** Nearest-rank percentile of an ascending list (NaN when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
