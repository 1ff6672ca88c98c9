import { Injectable } from '@nestjs/common';

/**
 * One task at a time per input file (`<subfolder>/<name>`), so an upload of the same bytes never races the
 * deletion of an ephemeral copy of them within this process.
 */
@Injectable()
export class FileLocks {
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
