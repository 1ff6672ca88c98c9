import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_RETRY_DELAYS } from '../src/webhooks/delivery-worker.js';
import { createTestApp, type TestApp } from './test-app.js';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers its nth request (0-based); by default 200. */
export type Answer = (index: number, res: ServerResponse) => void;

/** A local HTTP receiver that records every request it gets (and gets none when the sender refuses). */
export interface WebhookReceiver {
  readonly hits: ReceivedHook[];
  readonly port: number;
  url(path?: string, host?: string): string;
  close(): Promise<void>;
}

export async function startReceiver(answer: Answer = (_, res) => res.end('ok'), host = '127.0.0.1') {
  const hits: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(hits.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: WebhookReceiver = {
    hits,
    port,
    url: (path = '/hook', urlHost = '127.0.0.1') => `http://${urlHost}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

export const status =
  (code: number): Answer =>
  (_, res) => {
    res.statusCode = code;
    res.end(`status ${code}`);
  };

/**
 * An app that may deliver to local receivers, retries once after 50 ms and turns an endpoint off at its
 * first failure with no success (a zero-day limit): the worker's "disabled" path without waiting days.
 */
export function appThatDisablesAtOnce(): Promise<TestApp> {
  return createTestApp({
    env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
    overrides: [
      [WEBHOOK_RETRY_DELAYS, [50]],
      [WEBHOOK_DISABLE_AFTER_MS, 0],
    ],
  });
}
