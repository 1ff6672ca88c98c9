interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key: `ratePerS` tokens a second up to `burst`. Full buckets are forgotten when
 * the map grows, so memory stays bounded by the number of recently active keys.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token, or says how many seconds until one is available. */
  take(key: string): { ok: true } | { ok: false; retryAfterS: number } {
    if (this.ratePerS === Number.POSITIVE_INFINITY) return { ok: true };
    const now = this.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerS)) };
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 10_000) this.sweep(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerS);
    bucket.updatedAt = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerS >= this.burst)
        this.buckets.delete(key);
    }
  }
}
