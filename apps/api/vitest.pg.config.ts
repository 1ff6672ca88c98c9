import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The API suite again on Postgres (`pnpm test:pg`, after loading the test services' env like
 * `pnpm test:services`; scripts/test-all.sh does both). Every TestApp boots on a database of its own, a copy
 * of the run's template database that test/pg-global-setup.ts migrates once (test/test-database.ts). Fails,
 * never skips, without ATELIER_TEST_DATABASE_URL.
 *
 * Left out, and why (issue 16):
 * - SQLite on purpose: test/backup-restore (SQLite's online backup; src/ops/ops-on-postgres.spec.ts covers
 *   the refusal on Postgres), test/audit-system-actor-migration (a SQLite table rebuild, via sqlite_master),
 *   test/gallery-bench-seed (seeds a SQLite file and checks its FTS5 table);
 * - test/faults/*: spawn the built server (ApiProcess), which picks its own database;
 * - src/**: unit specs that touch no database, run by vitest.config.ts.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/api-keys.api.spec.ts',
      'test/app-events-kept-sweep.api.spec.ts',
      'test/audit.api.spec.ts',
      'test/audit-outward.api.spec.ts',
      'test/auth*.api.spec.ts',
      'test/background-admin.api.spec.ts',
      'test/boot.api.spec.ts',
      'test/comfy-*.spec.ts',
      'test/config.api.spec.ts',
      'test/cookies-and-logs.api.spec.ts',
      'test/gallery.api.spec.ts',
      'test/gallery-*.spec.ts',
      'test/hostile/*.spec.ts',
      'test/http*.api.spec.ts',
      'test/load-smoke.api.spec.ts',
      'test/metrics.api.spec.ts',
      'test/passwords.api.spec.ts',
      'test/queue-*.api.spec.ts',
      'test/resource-caps.api.spec.ts',
      'test/sharing*.api.spec.ts',
      'test/test-engine.api.spec.ts',
      'test/usage*.api.spec.ts',
      'test/users.api.spec.ts',
      'test/webhooks.api.spec.ts',
      'test/webhooks-delivery.api.spec.ts',
      'test/webhooks-events.api.spec.ts',
      'test/webhooks-owner-notice.api.spec.ts',
      'test/webhooks-ssrf.spec.ts',
    ],
    exclude: [...configDefaults.exclude, 'test/gallery-bench-seed.spec.ts'],
    env: { ATELIER_TEST_ENGINE: 'postgres' },
    globalSetup: ['test/pg-global-setup.ts'],
  },
});
