import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedLeaderLease } from './leader-lease.js';
import { StoreLeaderLease, type LeaseStore, type LeaseTimings } from './redis-leader-lease.js';

/** One key with a ttl on the (fake) clock, like Redis; `down` makes every command fail. */
class FakeStore implements LeaseStore {
  holder: string | null = null;
  expiresAt = 0;
  down = false;

  private current(): string | null {
    if (this.holder !== null && Date.now() >= this.expiresAt) this.holder = null;
    return this.holder;
  }

  private check(): void {
    if (this.down) throw new Error('Connection is closed.');
  }

  async acquire(token: string, ttlMs: number): Promise<boolean> {
    this.check();
    if (this.current() !== null) return false;
    this.holder = token;
    this.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async renew(token: string, ttlMs: number): Promise<boolean> {
    this.check();
    if (this.current() !== token) return false;
    this.expiresAt = Date.now() + ttlMs;
    return true;
  }

  async release(token: string): Promise<void> {
    this.check();
    if (this.current() === token) this.holder = null;
  }
}

const timings: LeaseTimings = { ttlMs: 3000, renewMs: 1000, retryMs: 1000 };

describe('StoreLeaderLease', () => {
  let store: FakeStore;
  const leases: StoreLeaderLease[] = [];
  const lease = (id: string) => {
    const made = new StoreLeaderLease(store, id, timings);
    leases.push(made);
    return made;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    store = new FakeStore();
  });
  afterEach(async () => {
    store.down = false;
    vi.restoreAllMocks();
    vi.useRealTimers();
    for (const made of leases.splice(0)) await made.stop();
  });

  it('makes exactly one of two replicas the leader, and keeps it the leader while it renews', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.start();
    await b.start();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(store.holder).toBe(a.token);
  });

  it('hands the lease to the follower within a retry when the leader stops', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.start();
    await b.start();
    const gained: boolean[] = [];
    b.onChange((leading) => gained.push(leading));
    await a.stop();
    expect(a.isLeader).toBe(false);
    await vi.advanceTimersByTimeAsync(timings.retryMs);
    expect(b.isLeader).toBe(true);
    expect(gained).toEqual([true]);
    expect(b.term).toBe(1);
  });

  it('lets the follower take over after the ttl when the leader dies without releasing', async () => {
    const a = lease('a');
    const b = lease('b');
    await a.start();
    await b.start();
    // A killed process: its timers never fire again, its key stays until it expires.
    vi.spyOn(store, 'renew').mockImplementation(() => new Promise<boolean>(() => undefined));
    await vi.advanceTimersByTimeAsync(timings.ttlMs - 1);
    expect(b.isLeader).toBe(false);
    await vi.advanceTimersByTimeAsync(timings.retryMs + 1);
    expect(b.isLeader).toBe(true);
  });

  it('steps down before the key can expire when the store is unreachable, and leads again once it is back', async () => {
    const a = lease('a');
    await a.start();
    const changes: boolean[] = [];
    a.onChange((leading) => changes.push(leading));
    store.down = true;
    await vi.advanceTimersByTimeAsync(timings.ttlMs - timings.renewMs / 2 - 1);
    expect(a.isLeader).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    // Stepped down while the key still held: no other replica could have been leader yet.
    expect(a.isLeader).toBe(false);
    expect(Date.now()).toBeLessThan(store.expiresAt);
    store.down = false;
    await vi.advanceTimersByTimeAsync(timings.ttlMs + timings.retryMs);
    expect(a.isLeader).toBe(true);
    expect(changes).toEqual([false, true]);
    expect(a.term).toBe(2);
  });

  it('steps down at once when a renewal finds another holder', async () => {
    const a = lease('a');
    await a.start();
    store.holder = 'someone-else';
    await vi.advanceTimersByTimeAsync(timings.renewMs);
    expect(a.isLeader).toBe(false);
  });

  it('keeps the lease while one renewal hangs, and steps down when it cannot be renewed in time', async () => {
    const a = lease('a');
    await a.start();
    const renew = vi.spyOn(store, 'renew').mockImplementation(() => new Promise<boolean>(() => undefined));
    await vi.advanceTimersByTimeAsync(timings.renewMs + 100);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(a.isLeader).toBe(true);
    await vi.advanceTimersByTimeAsync(timings.ttlMs);
    expect(a.isLeader).toBe(false);
  });

  it('releases the key on stop even when stop comes during an acquire', async () => {
    const a = lease('a');
    let answer: (taken: boolean) => void = () => undefined;
    vi.spyOn(store, 'acquire').mockImplementationOnce(async (token, ttlMs) => {
      store.holder = token;
      store.expiresAt = Date.now() + ttlMs;
      return new Promise<boolean>((resolve) => (answer = resolve));
    });
    const starting = a.start();
    const stopping = a.stop();
    answer(true);
    await starting;
    await stopping;
    expect(a.isLeader).toBe(false);
    expect(store.holder).toBeNull();
  });

  it("on stop, releases the key only once the listeners' hand-over finished (its sockets closed), or after a renewal period", async () => {
    const a = lease('a');
    await a.start();
    let closed: () => void = () => undefined;
    a.onChange(() => new Promise<void>((resolve) => (closed = resolve)));
    const stopping = a.stop();
    await vi.advanceTimersByTimeAsync(timings.renewMs / 2);
    expect(a.isLeader).toBe(false);
    expect(store.holder).toBe(a.token);
    closed();
    await stopping;
    expect(store.holder).toBeNull();

    // A hand-over that never ends holds the release back for one renewal period at most.
    const b = lease('b');
    await b.start();
    b.onChange(() => new Promise<void>(() => undefined));
    const stoppingB = b.stop();
    await vi.advanceTimersByTimeAsync(timings.renewMs - 1);
    expect(store.holder).toBe(b.token);
    await vi.advanceTimersByTimeAsync(1);
    await stoppingB;
    expect(store.holder).toBeNull();
  });
});

describe('EmbeddedLeaderLease', () => {
  it('is the leader from the start and stays so', async () => {
    const lease = new EmbeddedLeaderLease();
    expect(lease.isLeader).toBe(true);
    await lease.start();
    await lease.stop();
    expect(lease.isLeader).toBe(true);
  });
});
