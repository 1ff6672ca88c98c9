/**
 * Read buffers handed back once the socket has written them. An export streams gigabytes: a fresh
 * 256 KiB buffer per read is external memory that V8 reclaims only with full collections, which
 * cost the export more CPU than the copy itself (issue 12's bench). A buffer is reused only after
 * the write that carried it has finished; one never given back is just left to the collector.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  /** The pool's buffers by their memory, so a subarray of one can be given back. */
  private readonly owned = new WeakMap<ArrayBufferLike, Buffer>();

  constructor(
    readonly size: number,
    private readonly keep = 16,
  ) {}

  take(): Buffer {
    const buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
    this.owned.set(buffer.buffer, buffer);
    return buffer;
  }

  /** Gives back the buffer a chunk was read into (any other chunk is ignored). */
  give(chunk: Uint8Array): void {
    const buffer = this.owned.get(chunk.buffer);
    if (!buffer) return;
    this.owned.delete(chunk.buffer);
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}
