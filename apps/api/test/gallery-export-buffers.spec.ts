import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferPool } from '../src/gallery/export/buffer-pool.js';
import { writeChunks } from '../src/gallery/export/write-chunks.js';

/**
 * The export's read buffers are reused once the socket has written them (issue 12: fresh buffers
 * made the collector cost more than the copy). Reuse must never hand out a buffer still in flight.
 */
describe('BufferPool', () => {
  it('hands a buffer back out only after it was given back, a subarray of it included', () => {
    const pool = new BufferPool(1024);
    const first = pool.take();
    const second = pool.take();
    expect(second).not.toBe(first);
    expect(first.length).toBe(1024);
    pool.give(first.subarray(0, 10));
    expect(pool.take()).toBe(first);
  });

  it('ignores chunks it did not lend, and a chunk given back twice', () => {
    const pool = new BufferPool(64);
    const lent = pool.take();
    pool.give(Buffer.alloc(64));
    pool.give(lent);
    pool.give(lent);
    const a = pool.take();
    const b = pool.take();
    expect(a).toBe(lent);
    expect(b).not.toBe(lent);
  });

  it('keeps at most `keep` idle buffers', () => {
    const pool = new BufferPool(16, 2);
    const lent = [pool.take(), pool.take(), pool.take()];
    for (const buffer of lent) pool.give(buffer);
    const again = [pool.take(), pool.take(), pool.take()];
    expect(again.filter((buffer) => lent.includes(buffer))).toHaveLength(2);
  });
});

describe('writeChunks', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('sends every chunk in order and reports each written once, reusing buffers without corrupting any', async () => {
    const pool = new BufferPool(64 * 1024, 4);
    const reported: Uint8Array[] = [];
    // Like the ZIP writer's stream, the source reads ahead while a write waits for the socket.
    let i = 0;
    const chunks = () =>
      new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (i === 200) return controller.close();
            const buffer = pool.take();
            buffer.fill(i++ % 251);
            controller.enqueue(buffer);
          },
        },
        { highWaterMark: 3 },
      );
    const url = await serve((_req, res) => {
      void writeChunks(res, chunks(), (chunk) => {
        reported.push(chunk);
        pool.give(chunk);
      });
    });
    const body = await new Promise<Buffer>((resolve, reject) => {
      get(url, (res) => {
        // A slow start fills the socket's buffers, so the server's writes queue in memory.
        res.pause();
        setTimeout(() => res.resume(), 100);
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject);
    });
    expect(body.length).toBe(200 * 64 * 1024);
    for (let i = 0; i < 200; i++) {
      const slice = body.subarray(i * 64 * 1024, (i + 1) * 64 * 1024);
      expect(
        slice.every((byte) => byte === i % 251),
        `chunk ${i}`,
      ).toBe(true);
    }
    expect(reported).toHaveLength(200);
  });

  it('rejects with a premature close when the client goes away, and stops reading its source', async () => {
    let produced = 0;
    let outcome: Promise<unknown> = Promise.resolve();
    const endless = async function* () {
      for (;;) {
        produced++;
        yield Buffer.alloc(256 * 1024, 1);
      }
    };
    const url = await serve((_req, res) => {
      outcome = writeChunks(res, endless(), () => undefined).then(
        () => 'ended',
        (error: unknown) => error,
      );
    });
    await new Promise<void>((resolve, reject) => {
      const req = get(url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      }).on('error', () => resolve());
      req.on('error', reject);
    });
    const error = await outcome;
    expect(error).toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    const stopped = produced;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(produced).toBe(stopped);
  });
});
