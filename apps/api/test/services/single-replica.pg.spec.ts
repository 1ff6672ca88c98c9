import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease } from '../../src/cluster/leader-lease.js';
import { clusterBootFailure } from '../../src/cluster/postgres-single-lease.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * Postgres without Redis is one replica (its bus and dispatcher live in the process): a second Atelier
 * on the same database stops at boot with one line, and may boot once the first has stopped.
 */
describe('Postgres without Redis: one replica', () => {
  let database: ScratchDatabase;
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_single');
    first = await createTestApp({ env: { ATELIER_DATABASE_URL: database.url } });
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  });

  it('boots the first replica as the leader', () => {
    expect(first?.nest.get(LeaderLease).isLeader).toBe(true);
  });

  it('stops a second replica at boot with one line naming the database without its password, and lets it boot once the first has stopped', async () => {
    const booting = createTestApp({ env: { ATELIER_DATABASE_URL: database.url } });
    const error = await booting.then(
      () => null,
      (failure: unknown) => failure,
    );
    const line = clusterBootFailure(error);
    expect(line).toMatch(
      /^another Atelier uses postgres(ql)?:\/\/.* without ATELIER_REDIS_URL; replicas need Redis$/,
    );
    const password = new URL(database.url).password;
    if (password) expect(line).not.toContain(password);

    await first?.close();
    first = undefined;
    second = await createTestApp({ env: { ATELIER_DATABASE_URL: database.url } });
    expect(second.nest.get(LeaderLease).isLeader).toBe(true);
  });
});
