import { defineConfig } from 'vitest/config';

// '@atelier/source' makes workspace packages resolve to their TypeScript sources in tests.
export default defineConfig({
  resolve: { conditions: ['@atelier/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@atelier/source', 'node', 'import', 'default'] } },
  test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'], testTimeout: 20_000 },
});
