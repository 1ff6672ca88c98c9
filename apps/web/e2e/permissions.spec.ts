import { expect, test } from '@playwright/test';
import { e2ePlainUser } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';
import { startJob, waitForResult } from './support/generate-page.js';

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2ePlainUser);
});

test('a plain user generates and may keep results privately, but sees no Admin and cannot save them approved', async ({
  page,
  baseURL,
}) => {
  await logIn(page, e2ePlainUser.username, e2ePlainUser.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Generate' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);

  const card = await startJob(page, 'a plain user’s teapot', 4);
  await waitForResult(card);
  // Keeping (private until approved) is everyone's; saving approved is the curators'.
  await expect(card.getByLabel('Select result 1')).toHaveCount(1);
  await expect(card.getByRole('button', { name: /^Keep .*private$/ })).toBeVisible();
  await expect(card.getByRole('button', { name: /to gallery/ })).toHaveCount(0);
  await screenshot(page, 'generate-plain-user');

  // The server refuses too, whatever the UI shows.
  const promptId = await card.getAttribute('data-prompt-id');
  const api = await signedInContext(baseURL!, e2ePlainUser.username, e2ePlainUser.password);
  const ingest = await api.post('/api/comfy/ingest/from-job', { data: { prompt_id: promptId } });
  expect(ingest.status()).toBe(403);
  await api.dispose();

  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
});
