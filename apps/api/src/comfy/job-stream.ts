import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Socket } from 'node:net';
import { ResourceCaps } from '../common/resource-caps.js';
import { JobsService } from './jobs.service.js';
import { RedisJobStreams } from './redis-job-streams.js';
import { StreamHub, type JobSubscriber } from './stream-hub.js';
import { sseRetry } from './sse.js';

/** How long a browser waits before reconnecting a dropped stream. */
const reconnectDelayMs = 2000;
/** A client this far behind is cut off rather than buffered without bound. */
const maxBufferedBytes = 4 * 1024 * 1024;

/**
 * GET /api/comfy/stream/:promptId, written by hand on the Express response so we control `id:`,
 * `retry:`, heartbeats and Last-Event-ID. A job that is over and already fully delivered answers 204,
 * which tells EventSource to stop reconnecting.
 */
@Injectable()
export class JobStreams {
  constructor(
    private readonly jobs: JobsService,
    private readonly hub: StreamHub,
    private readonly caps: ResourceCaps,
    private readonly shared: RedisJobStreams,
  ) {}

  async open(user: AuthUser, promptId: string, request: Request, response: Response): Promise<void> {
    const job = await this.jobs.findVisible(user, promptId);
    // Counted from here until the connection closes; over the cap answers 429 before any byte is sent.
    const release = this.caps.streams.acquire(user.id);
    response.once('close', release);
    let socket: Socket | null = null;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      response.end();
    };
    const subscriber: JobSubscriber = {
      send: (bytes) => {
        if (ended || !socket) return;
        if (socket.writableLength > maxBufferedBytes) end();
        // Straight to the socket: ServerResponse.write corks it until the next tick, so with many
        // subscribers every one of them would wait for the whole fan-out loop (`pnpm bench`).
        else socket.write(bytes);
      },
      close: end,
    };
    // Scale-out: from the job's log in Redis, whichever replica follows the job.
    const subscription = this.shared.enabled
      ? await this.shared.subscribe(job, lastEventIdOf(request), subscriber)
      : this.hub.subscribe(job, lastEventIdOf(request), subscriber);
    if (!subscription.live && subscription.initial.length === 0) {
      release();
      response.status(204).end();
      return;
    }
    response.status(200);
    // No chunked encoding: the stream ends with its connection, so events are plain bytes on the socket.
    response.useChunkedEncodingByDefault = false;
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    // nginx buffers proxied responses unless told not to.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(Buffer.concat([Buffer.from(sseRetry(reconnectDelayMs)), ...subscription.initial]));
    // Destroyed: the client left while the subscription was being set up (Redis mode awaits it).
    if (!subscription.live || !response.socket || response.socket.destroyed) {
      release();
      end();
      subscription.unsubscribe();
      return;
    }
    socket = response.socket;
    // Small frames must leave at once, not wait for the previous one's ACK (Nagle).
    socket.setNoDelay(true);
    response.on('close', () => {
      ended = true;
      subscription.unsubscribe();
    });
  }
}

/** EventSource sends Last-Event-ID as a header when it reconnects; a query parameter serves other clients. */
function lastEventIdOf(request: Request): string | null {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return header;
  const query = request.query.lastEventId;
  return typeof query === 'string' && query !== '' ? query : null;
}
