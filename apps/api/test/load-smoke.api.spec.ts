import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  errorCount,
  formatReport,
  routes,
  runUsers,
  seedGallery,
  type LoadUser,
} from '../bench/load-users.js';
import { startComfyHarness, type ComfyHarness } from './comfy-kit.js';

let harness: ComfyHarness;

beforeEach(async () => {
  // The load run's own server settings: logins in flight from one address must not trip the IP budget.
  harness = await startComfyHarness({ sim: { stepMs: 10 }, env: { ATELIER_LOGIN_MAX_FAILURES: '1000' } });
});

afterEach(async () => {
  await harness.close();
});

describe('pnpm load (smoke: 10 users × 5 s)', () => {
  it('signs in, browses, lists and runs jobs with 0 errors, every queued job done', async () => {
    const { app } = harness;
    const admin = await app.login('admin');
    await seedGallery(app.url, admin.bearer, 30);
    const users: LoadUser[] = [];
    for (let i = 0; i < 10; i++) {
      const { username, password } = await app.user('user', `load-user-${i}`);
      users.push({ username, password });
    }

    const stats = await runUsers({ api: app.url, users, seconds: 5, drainSeconds: 10 });

    const report = formatReport(stats).join('\n');
    expect(errorCount(stats), report).toBe(0);
    expect(stats.jobsQueued, report).toBeGreaterThan(0);
    expect(stats.jobsDone, report).toBe(stats.jobsQueued);
    expect(stats.routes[routes.thumbnail]?.latenciesMs.length, report).toBeGreaterThan(0);
  }, 30_000);

  it('refuses a target that is not a loopback address', async () => {
    await expect(runUsers({ api: 'http://192.0.2.1:3000', users: [], seconds: 1 })).rejects.toThrow(
      /loopback/,
    );
  });
});
