import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, testAdmin, type TestApp } from './test-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sign-in limits (counted before the password is verified)', () => {
  let app: TestApp;
  afterEach(() => app.close());

  const login = (body: { username: string; password: string }, ip?: string) => {
    const request = app.request.post('/api/auth/login');
    return (ip ? request.set('X-Forwarded-For', ip) : request).send(body);
  };

  /** Only attempts admitted by the limits reach argon2 and can answer 401; the rest are 429 with Retry-After. */
  function expectAtMost(limit: number, responses: { status: number; headers: Record<string, string> }[]) {
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(limit);
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    for (const res of responses.filter((r) => r.status === 429)) {
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  }

  it('lets at most the IP limit of 40 parallel wrong passwords from one address reach verification', async () => {
    app = await createTestApp();
    // Different usernames, so only the per-IP limit (5) applies.
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login({ username: `ghost-${i}`, password: 'wrong-password' })),
    );
    expectAtMost(5, responses);
    await login(testAdmin).expect(429);
  });

  it('lets at most the account limit of 40 parallel wrong passwords from 40 addresses reach verification', async () => {
    app = await createTestApp({ env: { ATELIER_TRUST_PROXY: '1', ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '3' } });
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        login({ username: 'admin', password: `wrong-${i}` }, `198.51.100.${i + 1}`),
      ),
    );
    expectAtMost(3, responses);
  });

  it('limits one account across addresses with a growing delay, after which the right password works', async () => {
    app = await createTestApp({
      env: {
        ATELIER_TRUST_PROXY: '1',
        ATELIER_LOGIN_MAX_FAILURES: '100',
        ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '2',
      },
    });
    const wrong = { username: 'Admin', password: 'wrong-password' };
    await login(wrong, '203.0.113.1').expect(401);
    await login(wrong, '203.0.113.2').expect(401);
    // From a third address, even the right password waits: 1 s after the 2nd failure.
    const first = await login(testAdmin, '203.0.113.3');
    expect(first.status).toBe(429);
    expect(first.body.code).toBe('rate_limited');
    expect(first.headers['retry-after']).toBe('1');
    // Another account is not affected.
    const other = await app.user('user');
    await login({ username: other.username, password: other.password }, '203.0.113.3').expect(200);

    await sleep(1100);
    await login(wrong, '203.0.113.4').expect(401);
    // One more failure doubles the wait.
    const second = await login(testAdmin, '203.0.113.5');
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('2');

    await sleep(2100);
    await login(testAdmin, '203.0.113.6').expect(200);
    // A success starts the account afresh.
    await login(wrong, '203.0.113.7').expect(401);
    await login(testAdmin, '203.0.113.7').expect(200);
  });

  it('caps the account delay at ATELIER_LOGIN_ACCOUNT_MAX_DELAY_S', async () => {
    app = await createTestApp({
      env: {
        ATELIER_TRUST_PROXY: '1',
        ATELIER_LOGIN_MAX_FAILURES: '100',
        ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '1',
        ATELIER_LOGIN_ACCOUNT_MAX_DELAY_S: '1',
      },
    });
    const wrong = { username: 'admin', password: 'wrong-password' };
    for (let i = 0; i < 3; i++) {
      await login(wrong, `203.0.113.${i + 1}`).expect(401);
      const blocked = await login(testAdmin, '203.0.113.50');
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toBe('1');
      await sleep(1050);
    }
    await login(testAdmin, '203.0.113.50').expect(200);
  });

  it('ignores X-Forwarded-For unless ATELIER_TRUST_PROXY is set', async () => {
    app = await createTestApp();
    for (let i = 0; i < 5; i++) {
      await login({ username: `ghost-${i}`, password: 'wrong-password' }, `203.0.113.${i + 1}`).expect(401);
    }
    // A fresh forwarded address does not help: the limit is on the connection's address.
    const blocked = await login(testAdmin, '203.0.113.99');
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('rate_limited');
  });

  it('frees the reservation of every successful sign-in, also in parallel', async () => {
    app = await createTestApp();
    for (let round = 0; round < 3; round++) {
      const responses = await Promise.all(Array.from({ length: 4 }, () => login(testAdmin)));
      expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    }
  });
});
