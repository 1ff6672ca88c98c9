import { request as httpRequest } from 'node:http';
import { availableParallelism } from 'node:os';
import type * as Argon2 from '@node-rs/argon2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PasswordHasher } from '../src/users/password-hasher.js';
import { createTestApp, type TestApp, type TestCredentials } from './test-app.js';

/**
 * The real argon2, watched: how many hashes/verifications run at once, which password each was for,
 * in the order they started, and an optional gate that holds every started one until it opens.
 */
const argon2Spy = vi.hoisted(() => ({
  running: 0,
  peak: 0,
  started: [] as string[],
  gate: null as Promise<void> | null,
}));

vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>();
  async function watched<T>(password: unknown, work: () => Promise<T>): Promise<T> {
    argon2Spy.running += 1;
    argon2Spy.peak = Math.max(argon2Spy.peak, argon2Spy.running);
    argon2Spy.started.push(String(password));
    try {
      if (argon2Spy.gate) await argon2Spy.gate;
      return await work();
    } finally {
      argon2Spy.running -= 1;
    }
  }
  return {
    ...real,
    hash: (...args: Parameters<typeof real.hash>) => watched(args[0], () => real.hash(...args)),
    verify: (...args: Parameters<typeof real.verify>) => watched(args[1], () => real.verify(...args)),
  };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !condition(); await sleep(2)) {
    if (Date.now() - started > 10_000) throw new Error(`Timed out waiting for ${what}`);
  }
}

/** Holds every argon2 call that starts from now on until the returned function is called. */
function closeGate(): () => void {
  let open!: () => void;
  argon2Spy.gate = new Promise<void>((resolve) => (open = resolve));
  return () => {
    argon2Spy.gate = null;
    open();
  };
}

describe('a storm of sign-ins (password hashing is bounded and queued)', () => {
  let app: TestApp;
  let openGate: (() => void) | undefined;

  beforeEach(() => {
    argon2Spy.running = 0;
    argon2Spy.peak = 0;
    argon2Spy.started = [];
    argon2Spy.gate = null;
    openGate = undefined;
  });
  afterEach(async () => {
    openGate?.();
    await app.close();
  });

  const hasher = () => app.nest.get(PasswordHasher);
  const login = ({ username, password }: TestCredentials) =>
    app.request.post('/api/auth/login').send({ username, password });
  /** Sends the request now (supertest sends on `then`) without waiting for the answer. */
  const send = (user: TestCredentials) => login(user).then((response) => response);

  async function users(count: number): Promise<TestCredentials[]> {
    const created: TestCredentials[] = [];
    // One at a time: creating users hashes their passwords through the same bounded queue.
    for (let i = 0; i < count; i++) created.push(await app.user('user', `storm-${i}`));
    return created;
  }

  it('runs at most cores − 1 (at least 1) hashes at once by default, and every legit sign-in of a storm succeeds', async () => {
    // One loopback address: raise the per-address limit, under which attempts in flight count.
    app = await createTestApp({ env: { ATELIER_LOGIN_MAX_FAILURES: '1000' } });
    const bound = Math.max(1, availableParallelism() - 1);
    const storm = await users(24);
    argon2Spy.peak = 0;
    argon2Spy.started = [];

    const responses = await Promise.all(storm.map(login));

    expect(responses.map((response) => response.status)).toEqual(storm.map(() => 200));
    expect(argon2Spy.started).toHaveLength(storm.length);
    expect(argon2Spy.peak).toBeGreaterThanOrEqual(1);
    expect(argon2Spy.peak).toBeLessThanOrEqual(bound);
    expect(app.config.auth.passwordHash.concurrency).toBe(bound);
    expect(hasher().load).toEqual({ running: 0, queued: 0 });
  });

  it('honours ATELIER_ARGON2_CONCURRENCY', async () => {
    app = await createTestApp({
      env: { ATELIER_LOGIN_MAX_FAILURES: '1000', ATELIER_ARGON2_CONCURRENCY: '2' },
    });
    const storm = await users(16);
    argon2Spy.peak = 0;
    const release = (openGate = closeGate());
    const pending = storm.map(send);
    await until(() => hasher().load.queued === storm.length - 2, 'the storm to queue up');
    expect(argon2Spy.running).toBe(2);
    release();
    expect((await Promise.all(pending)).map((response) => response.status)).toEqual(storm.map(() => 200));
    expect(argon2Spy.peak).toBe(2);
  });

  it('verifies queued sign-ins in the order they arrived', async () => {
    app = await createTestApp({
      env: { ATELIER_LOGIN_MAX_FAILURES: '1000', ATELIER_ARGON2_CONCURRENCY: '1' },
    });
    const storm = await users(8);
    argon2Spy.started = [];
    const release = (openGate = closeGate());
    const pending = [send(storm[0]!)];
    await until(() => argon2Spy.running === 1, 'the first verification to start');
    for (const [i, user] of storm.slice(1).entries()) {
      pending.push(send(user));
      await until(() => hasher().load.queued === i + 1, `sign-in ${i + 1} to queue`);
    }
    release();

    expect((await Promise.all(pending)).map((response) => response.status)).toEqual(storm.map(() => 200));
    expect(argon2Spy.started).toEqual(storm.map((user) => user.password));
    expect(argon2Spy.peak).toBe(1);
  });

  it('answers sign-ins past a full queue at once with 503 auth.busy and Retry-After, counting none as a failure', async () => {
    app = await createTestApp({
      env: {
        ATELIER_ARGON2_CONCURRENCY: '1',
        ATELIER_ARGON2_QUEUE: '1',
        // Busy answers counted as failures would trip this.
        ATELIER_LOGIN_MAX_FAILURES: '3',
      },
    });
    const storm = await users(12);
    argon2Spy.started = [];
    const release = (openGate = closeGate());
    const admitted = [send(storm[0]!)];
    await until(() => argon2Spy.running === 1, 'the first verification to start');
    admitted.push(send(storm[1]!));
    await until(() => hasher().load.queued === 1, 'the second to queue');

    // The gate is still closed: these answers come without waiting for any hash.
    const excess = await Promise.all(storm.slice(2).map(login));
    for (const response of excess) {
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        code: 'auth.busy',
        message: expect.stringMatching(/busy.*try again in \d+ s/) as string,
        details: { retry_after_s: expect.any(Number) as number },
      });
      const retryAfter = Number(response.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(response.body.details.retry_after_s).toBe(retryAfter);
      expect(response.text).not.toMatch(/stack|at .*\.ts:\d+/i);
    }
    expect(argon2Spy.running).toBe(1);
    release();

    expect((await Promise.all(admitted)).map((response) => response.status)).toEqual([200, 200]);
    // No hash was spent on the refused ones, and they left no failure behind.
    expect(argon2Spy.started).not.toContain(storm[2]!.password);
    for (const user of storm.slice(2, 6)) await login(user).expect(200);
  });

  it('answers 503 auth.busy when a queued sign-in waits longer than ATELIER_ARGON2_MAX_WAIT_S', async () => {
    app = await createTestApp({
      env: { ATELIER_ARGON2_CONCURRENCY: '1', ATELIER_ARGON2_MAX_WAIT_S: '1' },
    });
    const [first, second] = await users(2);
    const release = (openGate = closeGate());
    const running = send(first!);
    await until(() => argon2Spy.running === 1, 'the first verification to start');

    const waited = await login(second!);
    expect(waited.status).toBe(503);
    expect(waited.body.code).toBe('auth.busy');
    expect(Number(waited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(hasher().load.queued).toBe(0);
    release();
    expect((await running).status).toBe(200);
    await login(second!).expect(200);
  });

  it('does not spend a hash on a queued sign-in whose client went away', async () => {
    app = await createTestApp({
      // A long wait bound: only the client going away may take the attempt out of the queue.
      env: {
        ATELIER_ARGON2_CONCURRENCY: '1',
        ATELIER_ARGON2_MAX_WAIT_S: '60',
        ATELIER_LOGIN_MAX_FAILURES: '2',
      },
    });
    const [first, gone] = await users(2);
    argon2Spy.started = [];
    const release = (openGate = closeGate());
    const running = send(first!);
    await until(() => argon2Spy.running === 1, 'the first verification to start');

    const url = new URL('/api/auth/login', app.url);
    const abandoned = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    abandoned.on('error', () => undefined);
    abandoned.end(JSON.stringify({ username: gone!.username, password: gone!.password }));
    await until(() => hasher().load.queued === 1, 'the abandoned sign-in to queue');
    abandoned.destroy();
    await until(() => hasher().load.queued === 0, 'the abandoned sign-in to leave the queue');
    release();

    expect((await running).status).toBe(200);
    expect(argon2Spy.started).toEqual([first!.password]);
    // Nor did it stay pending or count as a failure against the address (limit 2).
    await login(gone!).expect(200);
    await login(first!).expect(200);
  });

  it('puts new users, password changes and resets in the same line as sign-ins', async () => {
    app = await createTestApp({
      env: { ATELIER_LOGIN_MAX_FAILURES: '1000', ATELIER_ARGON2_CONCURRENCY: '1' },
    });
    const admin = await app.login('admin');
    const [changing, reset, ...signingIn] = await users(6);
    const changer = await app.loginAs(changing!.username, changing!.password);
    argon2Spy.peak = 0;
    argon2Spy.started = [];
    const release = (openGate = closeGate());
    const pending = [
      ...signingIn.map(send),
      ...[1, 2].map((i) =>
        app.request
          .post('/api/admin/users')
          .set(admin.bearer)
          .send({ username: `newcomer-${i}`, password: `newcomer-password-${i}`, role: 'user' })
          .then((response) => response),
      ),
      app.request
        .post(`/api/admin/users/${reset!.id}/password`)
        .set(admin.bearer)
        .send({ password: 'a-temporary-passphrase' })
        .then((response) => response),
      app.request
        .post('/api/auth/password')
        .set(changer.bearer)
        .send({ current_password: changing!.password, new_password: 'a-brand-new-passphrase' })
        .then((response) => response),
    ];
    // The password change verifies, then hashes: 8 requests, 9 argon2 calls.
    await until(() => hasher().load.queued === pending.length - 1, 'every request to queue');
    release();

    const statuses = (await Promise.all(pending)).map((response) => response.status);
    expect(statuses).toEqual([200, 200, 200, 200, 201, 201, 200, 200]);
    expect(argon2Spy.started).toHaveLength(pending.length + 1);
    expect(argon2Spy.peak).toBe(1);
  });

  it('keeps /api/health and an authenticated /api/auth/me answering while a storm of sign-ins runs', async () => {
    app = await createTestApp({ env: { ATELIER_LOGIN_MAX_FAILURES: '1000' } });
    const session = await app.login('admin');
    const storm = await users(30);
    let stormDone = false;
    const stormAnswers = Promise.all(storm.map(login)).finally(() => (stormDone = true));

    const answeredDuringStorm: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const [health, me] = await Promise.all([
        app.request.get('/api/health'),
        app.request.get('/api/auth/me').set(session.bearer),
      ]);
      expect(health.status).toBe(200);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ username: session.user.username });
      answeredDuringStorm.push(!stormDone);
    }

    expect((await stormAnswers).map((response) => response.status)).toEqual(storm.map(() => 200));
    // Sanity, not timing: the first probes came back before the storm was over.
    expect(answeredDuringStorm[0]).toBe(true);
  });
});
