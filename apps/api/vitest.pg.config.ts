import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The API suite again on Postgres (`pnpm test:pg`, after loading the test services' env like
 * `pnpm test:services`; scripts/test-all.sh does both). Every TestApp boots on a database of its own, a copy
 * of `atelier_template` that test/pg-global-setup.ts migrates once per run (test/test-database.ts). Fails,
 * never skips, without ATELIER_TEST_DATABASE_URL.
 *
 * Not here yet, and why:
 * - the gallery, moving to the async Sql port in this round: test/gallery-* (but the search specs listed
 *   below), test/sharing*, test/faults/kill-during-ingest, test/faults/disk-full-ingest (they ingest images);
 * - SQLite on purpose: test/backup-restore (SQLite's online backup; src/ops/ops-on-postgres.spec.ts covers
 *   the refusal on Postgres), test/audit-system-actor-migration (a SQLite table rebuild, checked through
 *   sqlite_master);
 * - test/faults/kill-api-during-job: spawns the built server (ApiProcess), which picks its own database;
 * - src/**: unit specs that touch no database, already run by vitest.config.ts.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/auth.api.spec.ts',
      'test/auth-login-storm.api.spec.ts',
      'test/auth-per-request.api.spec.ts',
      'test/auth-sessions.api.spec.ts',
      'test/auth-throttle.api.spec.ts',
      'test/boot.api.spec.ts',
      'test/comfy-jobs.api.spec.ts',
      'test/comfy-managed.spec.ts',
      'test/comfy-queue-control.api.spec.ts',
      'test/comfy-queue-fairness.api.spec.ts',
      'test/comfy-stream.api.spec.ts',
      'test/gallery-boards.api.spec.ts',
      'test/gallery-facets-compare.api.spec.ts',
      'test/gallery-search.api.spec.ts',
      'test/gallery-search-visibility.api.spec.ts',
      'test/gallery-stacks.api.spec.ts',
      'test/cookies-and-logs.api.spec.ts',
      'test/hostile/malformed-bodies.api.spec.ts',
      'test/http.api.spec.ts',
      'test/http-keepalive.api.spec.ts',
      'test/http-malformed-bodies.api.spec.ts',
      'test/test-engine.api.spec.ts',
      'test/usage.api.spec.ts',
      'test/users.api.spec.ts',
    ],
    exclude: [],
    env: { ATELIER_TEST_ENGINE: 'postgres' },
    globalSetup: ['test/pg-global-setup.ts'],
  },
});
