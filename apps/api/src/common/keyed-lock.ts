import { Injectable } from '@nestjs/common';

/**
 * Runs tasks one at a time per key within this process (the gallery keys by an image's SHA-256, uploads
 * by `<subfolder>/<name>`), so work on the same bytes never interleaves. Each module that provides it
 * gets its own instance; across processes, the database's unique indexes are the guard.
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
