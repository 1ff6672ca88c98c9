import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.js';

export default mergeConfig(
  viteConfig,
  defineConfig({
    ssr: { resolve: { conditions: ['@atelier/source', 'node', 'import', 'default'] } },
    test: {
      environment: 'happy-dom',
      include: ['src/**/*.spec.ts'],
      restoreMocks: true,
      unstubGlobals: true,
      testTimeout: 10_000,
    },
  }),
);
