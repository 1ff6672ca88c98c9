/**
 * Values kept within a byte budget, the least recently used evicted first. Map order is recency order: a
 * hit moves its entry to the end, eviction takes from the front. What may enter (a size cap per entry,
 * whether caching is on) is the caller's rule.
 */
export class ByteBudgetLru<K, V> {
  private readonly entries = new Map<K, V>();
  private bytes = 0;

  constructor(
    readonly budgetBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.bytes += this.sizeOf(value);
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.bytes -= this.sizeOf(old);
    }
  }

  delete(key: K): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.bytes -= this.sizeOf(value);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
