import { defineConfig } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eAdmin } from './e2e/credentials.js';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '../..');
const apiMain = join(repoRoot, 'apps/api/dist/main.js');
const webDist = join(webDir, 'dist');
const simServer = join(webDir, 'e2e/support/comfy-sim-server.mjs');

for (const [file, build] of [
  [apiMain, 'pnpm --filter @atelier/api build'],
  [join(webDist, 'index.html'), 'pnpm --filter @atelier/web build'],
  [join(repoRoot, 'packages/comfy-sim/dist/index.js'), 'pnpm --filter @atelier/comfy-sim build'],
] as const) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`${build}\` before the browser tests.`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// This file is evaluated by the runner and again by each worker. The runner picks the port and the
// data directory and puts them in the environment, which the workers inherit, so all agree.
process.env.ATELIER_E2E_PORT ??= String(await freePort());
process.env.ATELIER_E2E_ROOT ??= mkdtempSync(join(tmpdir(), 'atelier-e2e-'));
// The ComfyUI simulator's port, and the port of its control endpoint (see e2e/support/sim-control.ts).
process.env.ATELIER_E2E_SIM_PORT ??= String(await freePort());
process.env.ATELIER_E2E_SIM_CONTROL_PORT ??= String(await freePort());
// The port of webhooks.spec's receiver: the only private address the API lets webhooks reach.
process.env.ATELIER_E2E_WEBHOOK_PORT ??= String(await freePort());
const port = process.env.ATELIER_E2E_PORT;
const simPort = process.env.ATELIER_E2E_SIM_PORT;
const simControlPort = process.env.ATELIER_E2E_SIM_CONTROL_PORT;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    // CI keeps no artifacts, and trace recording has failed there on a loaded machine (ENOENT on close).
    trace: process.env.CI ? 'off' : 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: `playwright install` cannot download browsers on these machines.
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      // ComfyUI: the simulator in its own process (150 ms a step, so progress can be watched).
      command: `node ${simServer} --port ${simPort} --control-port ${simControlPort} --step-ms 150`,
      cwd: webDir,
      url: `http://127.0.0.1:${simControlPort}/health`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // The real built API, serving the real built web app, on a fresh data directory.
      command: `node ${apiMain}`,
      cwd: repoRoot,
      url: `${baseURL}/api/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        NODE_ENV: 'production',
        PORT: port,
        ATELIER_ROOT_DIR: process.env.ATELIER_E2E_ROOT,
        ATELIER_WEB_DIST_DIR: webDist,
        ATELIER_ADMIN_USERNAME: e2eAdmin.username,
        ATELIER_ADMIN_PASSWORD: e2eAdmin.password,
        ATELIER_JWT_SECRET: 'e2e-only-secret-0123456789abcdef0123456789abcdef',
        // The API logs every 4xx at warn; the tests cause many on purpose. Errors still show.
        LOG_LEVEL: 'error',
        // The integration starts switched off (admin.spec turns it on; the other specs make sure it is).
        COMFY_API_URL: `http://127.0.0.1:${simPort}`,
        ATELIER_DEMO: '1',
        // A watchdog this quick makes "ComfyUI went away" visible within a second.
        ATELIER_COMFY_WATCHDOG_INTERVAL_MS: '500',
        ATELIER_WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${process.env.ATELIER_E2E_WEBHOOK_PORT}`,
      },
    },
  ],
});
