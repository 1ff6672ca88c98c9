import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster, type Bearer } from './cluster-kit.js';

/**
 * The sign-in throttle and a per-user rate limit hold across replica processes: requests split between
 * A and B meet one shared limit (rate-limiter-flexible's Redis store), so neither replica lets through
 * what its own share would allow. Redis database 6 is this spec's (flushed first).
 */
const maxFailures = 4;
const viewBurst = 4;

describe('limits shared by replica processes', () => {
  let cluster: TestCluster;
  let admin: Bearer;
  const url = (i: number) => cluster.replica(i % 2 === 0 ? 'a' : 'b').url;

  beforeAll(async () => {
    cluster = await TestCluster.start({
      prefix: 'cluster_limits',
      redisDb: 6,
      stepMs: 10,
      env: {
        ATELIER_LOGIN_MAX_FAILURES: String(maxFailures),
        ATELIER_LOGIN_WINDOW_S: '600',
        ATELIER_COMFY_VIEW_BURST: String(viewBurst),
        // Refilled once in 400 s: nothing comes back while the test runs.
        ATELIER_COMFY_VIEW_RATE: '0.01',
      },
    });
    // Signed in before the failures below fill the address's window (a success does not count).
    admin = await cluster.replica('a').adminBearer();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses the sign-in after the shared number of failures from one address, split between A and B, on both', async () => {
    const signIn = (i: number) =>
      fetch(`${url(i)}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        // Another account each time: only the per-address limit applies.
        body: JSON.stringify({ username: `nobody-${i}`, password: 'not-the-password' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < maxFailures; i++) statuses.push((await signIn(i)).status);
    expect(statuses).toEqual(Array.from({ length: maxFailures }, () => 401));

    for (const i of [maxFailures, maxFailures + 1]) {
      const refused = await signIn(i);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it("refuses a user's image views past the shared burst, split between A and B, on both", async () => {
    const view = (i: number) => fetch(`${url(i)}/api/comfy/view?filename=missing.png`, { headers: admin });
    for (let i = 0; i < viewBurst; i++) {
      const allowed = await view(i);
      await allowed.body?.cancel();
      expect(allowed.status).not.toBe(429);
    }
    for (const i of [viewBurst, viewBurst + 1]) {
      const refused = await view(i);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
    }
  });
});
