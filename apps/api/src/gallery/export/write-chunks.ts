import type { ServerResponse } from 'node:http';

/** What a response that closed before its end rejects with (as `pipeline` names it). */
export class PrematureClose extends Error {
  readonly code = 'ERR_STREAM_PREMATURE_CLOSE';
  constructor() {
    super('The response closed before its end');
  }
}

/**
 * Writes chunks to a response with backpressure, calling `written(chunk)` once the socket is done
 * with each (`pipeline` gives no such signal, and a chunk's buffer can only be reused after it).
 */
export async function writeChunks(
  res: ServerResponse,
  chunks: AsyncIterable<Uint8Array>,
  written: (chunk: Uint8Array) => void,
): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) throw new PrematureClose();
    if (!res.write(chunk, () => written(chunk))) await drained(res);
  }
  if (res.destroyed) throw new PrematureClose();
  await new Promise<void>((resolve) => res.end(resolve));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      res.off('drain', settle);
      res.off('close', settle);
      if (res.destroyed && !res.writableFinished) reject(new PrematureClose());
      else resolve();
    };
    res.once('drain', settle);
    res.once('close', settle);
  });
}
