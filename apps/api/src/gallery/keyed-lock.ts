import { Injectable } from '@nestjs/common';

/**
 * Runs tasks one at a time per key (here: an image's SHA-256), so two ingests of the same bytes, or
 * an ingest and a delete, never interleave within this process. The database's unique index is the
 * guard across processes.
 */
@Injectable()
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
