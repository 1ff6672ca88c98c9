import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Tests against real services (Postgres, Redis) started by `scripts/cluster/cluster.sh services start
// --test`: `pnpm test:services` after loading `.cluster/test/env` (scripts/test-all.sh does both). They
// fail, never skip, without ATELIER_TEST_DATABASE_URL / ATELIER_TEST_REDIS_URL. One file at a time: they
// share one server.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/services/**/*.spec.ts'],
    exclude: [],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
