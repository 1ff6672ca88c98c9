import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The API suite again on Postgres (`pnpm test:pg`, after loading the test services' env like
 * `pnpm test:services`; scripts/test-all.sh does both). Every TestApp boots on a database of its own, a copy
 * of the run's template database that test/pg-global-setup.ts migrates once (test/test-database.ts). Fails,
 * never skips, without ATELIER_TEST_DATABASE_URL.
 *
 * Not here yet, and why (issue 16):
 * - the gallery, moved to the async Sql port in the same round as this file: test/gallery-*, test/sharing*,
 *   and the specs whose gallery steps fail on Postgres still (test/audit.api: trash + purge,
 *   test/comfy-export: keep, test/webhooks.api + test/webhooks-events: image.kept/rejected). Already passing
 *   on Postgres when this was written: gallery-facets-compare, -from-job, -keep-review, -params-backfill,
 *   -search, -stacks, -thumbnail-backfill, -thumbnail-memory, -image-store, -export-{buffers,jpeg,png,webp,
 *   manifest}, sharing-bytes, sharing-cache;
 * - test/hostile/forged-ids: a 15-digit id answers 500 on Postgres (the identity columns are int4: out of
 *   range), 404 on SQLite;
 * - intermittent on Postgres on a loaded machine, passing alone: test/comfy-queue-fairness (the two users'
 *   alternation), test/comfy-queue-control (jobs reordered while paused once ran in another order after the
 *   resume), test/webhooks-delivery (a delivery pending at shutdown is not sent after the restart);
 * - SQLite on purpose: test/backup-restore (SQLite's online backup; src/ops/ops-on-postgres.spec.ts covers
 *   the refusal on Postgres), test/audit-system-actor-migration (a SQLite table rebuild, via sqlite_master),
 *   test/gallery-bench-seed (seeds a SQLite file);
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
      'test/audit-outward.api.spec.ts',
      'test/auth*.api.spec.ts',
      'test/background-admin.api.spec.ts',
      'test/boot.api.spec.ts',
      'test/comfy-*.spec.ts',
      'test/config.api.spec.ts',
      'test/cookies-and-logs.api.spec.ts',
      'test/hostile/*.spec.ts',
      'test/http*.api.spec.ts',
      'test/load-smoke.api.spec.ts',
      'test/metrics.api.spec.ts',
      'test/passwords.api.spec.ts',
      'test/queue-*.api.spec.ts',
      'test/resource-caps.api.spec.ts',
      'test/test-engine.api.spec.ts',
      'test/usage*.api.spec.ts',
      'test/users.api.spec.ts',
      'test/webhooks-owner-notice.api.spec.ts',
      'test/webhooks-ssrf.spec.ts',
    ],
    exclude: [
      ...configDefaults.exclude,
      'test/comfy-export.api.spec.ts',
      'test/comfy-queue-control.api.spec.ts',
      'test/comfy-queue-fairness.api.spec.ts',
      'test/hostile/forged-ids.api.spec.ts',
    ],
    env: { ATELIER_TEST_ENGINE: 'postgres' },
    globalSetup: ['test/pg-global-setup.ts'],
  },
});
