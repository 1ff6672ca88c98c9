import { expect, test } from '@playwright/test';
import { e2eAdmin, e2eGenCurator } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { simControl } from './support/sim-control.js';
import { startJob, waitForResult, waitForStep } from './support/generate-page.js';

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eGenCurator);
});

test.afterEach(async () => {
  // Whatever happened, the next test finds ComfyUI listening.
  await simControl('up');
});

test('ComfyUI going down shows the banner, and the job finishes once it is back', async ({ page }) => {
  test.setTimeout(90_000);
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  const card = await startJob(page, 'a storm over the harbour', 40);
  await waitForStep(card, 2);

  await simControl('down');
  const banner = page.getByTestId('comfy-banner');
  await expect(banner).toContainText('ComfyUI is unreachable', { timeout: 15_000 });
  await screenshot(page, 'comfy-down-banner');

  await simControl('up');
  await expect(banner).toBeHidden({ timeout: 15_000 });
  await waitForResult(card);
});

test('the admin sees the watchdog’s view of ComfyUI and can refresh object info', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  const status = page.getByRole('region', { name: 'ComfyUI status' });
  await expect(status.getByTestId('comfy-state')).toHaveText('up');
  await expect(status).toContainText('v0.3.7');
  await expect(status).toContainText('cpu');
  await status.getByRole('button', { name: 'Refresh object info' }).click();
  await expect(status).toContainText(/\d+ node classes/);
  await screenshot(page, 'admin-comfy-status');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'admin-comfy-status-dark');
});
