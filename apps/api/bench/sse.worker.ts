/**
 * SSE clients on their own thread: raw TCP sockets that send the GET with the auth cookie, check the
 * status line, then parse the event stream (the API does not chunk it). Raw sockets keep the client's
 * own cost per event small, so the figures describe the server. Records, per event id, when each
 * client received it (epoch ms with sub-ms precision, comparable across threads).
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface SseJob {
  url: string;
  cookie: string;
  subscribers: number;
}

export type SseWorkerMessage =
  | { type: 'connected'; count: number }
  | { type: 'finished'; received: Record<string, number[]>; incomplete: number };

const job = workerData as SseJob;
const target = new URL(job.url);
const now = () => performance.timeOrigin + performance.now();
const received: Record<string, number[]> = {};
const sockets: Socket[] = [];
let finished = 0;
let reported = false;

function report(): void {
  if (reported) return;
  reported = true;
  const message: SseWorkerMessage = { type: 'finished', received, incomplete: job.subscribers - finished };
  parentPort?.postMessage(message);
}

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.write(
      `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nCookie: ${job.cookie}\r\n` +
        'Accept: text/event-stream\r\n\r\n',
    );
    let head = true;
    let opened = false;
    let pending: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      if (head) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          pending = buffer;
          return;
        }
        if (buffer.toString('latin1', 9, 12) !== '200') {
          reject(new Error(`stream answered ${buffer.toString('latin1', 0, buffer.indexOf('\r\n'))}`));
          return;
        }
        head = false;
        buffer = buffer.subarray(end + 4);
      }
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        // Frames start with their id line (heartbeats and `retry:` do not).
        if (buffer.toString('latin1', 0, 4) === 'id: ') {
          const idEnd = buffer.indexOf(10);
          const id = buffer.toString('latin1', 4, idEnd);
          (received[id] ??= []).push(at);
          if (!opened) {
            opened = true;
            resolve();
          }
          if (buffer.toString('latin1', idEnd + 1, idEnd + 13) === 'event: done\n') finished += 1;
        }
        buffer = buffer.subarray(end + 2);
      }
      pending = buffer.length > 0 ? buffer : null;
    });
    socket.on('end', () => {
      if (finished >= job.subscribers) report();
    });
  });
}

// Connect in batches: a thousand simultaneous handshakes would measure the accept queue, not the relay.
let connected = 0;
for (let i = 0; i < job.subscribers; i += 50) {
  const batch = Math.min(50, job.subscribers - i);
  await Promise.all(Array.from({ length: batch }, () => open()));
  connected += batch;
}
parentPort?.postMessage({ type: 'connected', count: connected } satisfies SseWorkerMessage);
parentPort?.on('message', (message: unknown) => {
  if (message === 'report') report();
  if (message === 'close') {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});
