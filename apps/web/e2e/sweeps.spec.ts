import { expect, test } from '@playwright/test';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';

// A user sweeps CFG × seed over the Generate form's settings and watches the grid fill in.
const sweeper = { username: 'sven.sweeper', password: 'sven-Passw0rd', role: 'user' } as const;

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, sweeper);
});

test('a small sweep fills its grid; the keyboard walks the cells and opens one with its provenance', async ({
  page,
}) => {
  await logIn(page, sweeper.username, sweeper.password);
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill('a paper boat, sweep e2e');
  await page.getByRole('button', { name: 'Small' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('2');

  const form = page.getByRole('form', { name: 'Parameter sweep' });
  await form.getByLabel('X values').fill('4, 7');
  await form.getByRole('button', { name: 'Add an axis' }).click();
  await expect(form.getByLabel('Y axis varies')).toHaveValue('seed');
  // Too many jobs are refused before anything is sent.
  await form.getByLabel('Y values').fill('1-200');
  await expect(form.getByTestId('sweep-job-count')).toContainText('2 × 200 = 400 jobs — at most 256');
  await expect(form.getByRole('button', { name: 'Queue sweep' })).toBeDisabled();
  await form.getByLabel('Y values').fill('11-12');
  await expect(form.getByTestId('sweep-job-count')).toHaveText('2 × 2 = 4 jobs');
  await form.scrollIntoViewIfNeeded();
  await screenshot(page, 'sweep-form');
  await form.getByRole('button', { name: 'Queue sweep' }).click();

  await expect(page).toHaveURL(/\/sweeps\/[0-9a-f-]{36}$/);
  const grid = page.getByRole('grid', { name: 'CFG across, Seed down' });
  await expect(grid.getByRole('columnheader')).toHaveText(['Seed \\ CFG', '4', '7']);
  await expect(grid.getByRole('rowheader')).toHaveText(['11', '12']);
  await expect(grid.getByRole('gridcell')).toHaveCount(4);
  await expect(page.getByTestId('sweep-progress')).toHaveText('4 of 4 done', { timeout: 30_000 });
  // Decorative inside each labelled cell button (alt=""), so found by tag.
  const images = grid.locator('img');
  await expect(images).toHaveCount(4);
  for (const image of await images.all()) {
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  }
  await screenshot(page, 'sweep-grid');

  // One cell in the Tab order; the arrows move, Enter opens.
  const first = grid.getByRole('button', { name: 'CFG 4, Seed 11: succeeded' });
  await first.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await expect(grid.getByRole('button', { name: 'CFG 7, Seed 12: succeeded' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Cell 2, 2' });
  await expect(dialog).toBeVisible();
  const provenance = dialog.getByRole('definition');
  await expect(provenance).toContainText(['7', '12']);
  await expect(dialog.getByText('a paper boat, sweep e2e')).toBeVisible();
  await expect
    .poll(() => dialog.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await screenshot(page, 'sweep-cell');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(grid.getByRole('button', { name: 'CFG 7, Seed 12: succeeded' })).toBeFocused();

  // The contact sheet is one PNG the signed-in browser can download.
  const link = page.getByRole('link', { name: 'Download contact sheet' });
  const href = await link.getAttribute('href');
  expect(href).toMatch(/^\/api\/comfy\/sweeps\/[0-9a-f-]{36}\/contact-sheet\.png\?z=0$/);
  const sheet = await page.request.get(href!);
  expect(sheet.status()).toBe(200);
  expect(sheet.headers()['content-type']).toBe('image/png');
  expect((await sheet.body()).subarray(1, 4).toString()).toBe('PNG');
});
