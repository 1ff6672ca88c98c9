/** The export group's client on its own thread: downloads a ZIP, keeps only counts and times. */
import { get } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

export interface DownloadJob {
  url: string;
  headers: Record<string, string>;
}

export interface DownloadResult {
  status: number;
  contentLength: number;
  bytes: number;
  /** From the request to the response headers, and to the last byte (ms). */
  headersMs: number;
  totalMs: number;
}

function download(job: DownloadJob): Promise<DownloadResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get(job.url, { headers: job.headers }, (res) => {
      const headersMs = performance.now() - started;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentLength: Number(res.headers['content-length'] ?? Number.NaN),
          bytes,
          headersMs,
          totalMs: performance.now() - started,
        }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

parentPort?.postMessage(await download(workerData as DownloadJob));
