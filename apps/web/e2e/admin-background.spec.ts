import { expect, test } from '@playwright/test';
import { e2eAdmin } from './credentials.js';
import { logIn } from './helpers.js';

test('an admin sees the background queues the server runs, with their counts', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  const panel = page.getByRole('region', { name: 'Background jobs' });
  await expect(panel.getByRole('heading', { name: 'gallery.trash-purge' })).toBeVisible();
  await expect(panel.getByRole('heading', { name: 'auth.refresh-token-cleanup' })).toBeVisible();
  await expect(panel).toContainText('In this process.');
  // Refresh reloads the counts from the server.
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/admin/background') && r.status() === 200);
  await panel.getByRole('button', { name: 'Refresh' }).click();
  await answer;
});
