import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

// Vite's esbuild transform drops decorator metadata, which Nest DI and TypeORM need: SWC keeps it.
// '@atelier/source' makes workspace packages resolve to their TypeScript sources in tests.
export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        target: 'es2023',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      },
    }),
  ],
  resolve: { conditions: ['@atelier/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@atelier/source', 'node', 'default'] } },
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    // Tests of real Postgres/Redis run in `pnpm test:services` (vitest.services.config.ts).
    exclude: [...configDefaults.exclude, 'test/services/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
