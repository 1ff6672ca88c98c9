import { expect, test } from '@playwright/test';
import { e2eGenCurator } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { startJob, stepOf, waitForResult, waitForStep } from './support/generate-page.js';

// One story, in order: a curator generates, keeps the result, finds it in the gallery with its
// provenance and loads its settings back into Generate.
test.describe.configure({ mode: 'serial' });

const prompt = 'a lighthouse on a cliff at dawn, e2e';
let seed = '';

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eGenCurator);
});

test('a curator generates: progress advances, a live preview shows, the image appears', async ({ page }) => {
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  await expect(page.getByTestId('demo-banner')).toContainText('Demo mode — images are simulated');
  // The pickers come from ComfyUI's object_info (the simulator's models).
  await expect(page.getByLabel('Checkpoint')).toContainText('sd_xl_base_1.0.safetensors');
  await screenshot(page, 'generate-form');

  const card = await startJob(page, prompt, 12, 3);
  const early = await waitForStep(card, 2);
  const preview = card.getByRole('img', { name: /Live preview/ });
  await expect(preview).toBeVisible();
  // The stream names the preview's URL (not its bytes); the browser fetched and decoded it.
  await expect(preview).toHaveAttribute('src', /^\/api\/comfy\/jobs\/[\w-]+\/preview\?seq=\d+$/);
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(card.getByTestId('job-progress')).toContainText(/Running KSampler|Step/);
  await screenshot(page, 'generate-running');
  await expect.poll(() => stepOf(card).catch(() => 99)).toBeGreaterThan(early);

  await waitForResult(card);
  await expect(card.getByTestId('result-image')).toHaveCount(3);
  await expect(card.getByRole('progressbar')).toHaveCount(0);
  await expect(card).toContainText('Simulated');
  seed = await page.getByLabel('Seed', { exact: true }).inputValue();
  expect(seed).toMatch(/^\d+$/);
  await expect(card).toContainText(`seed ${seed}`);
  await screenshot(page, 'generate-results');
});

test('the curator saves the results to the gallery', async ({ page }) => {
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  const card = page.getByTestId('job-card').filter({ hasText: prompt }).first();
  await waitForResult(card);
  const save = card.getByRole('button', { name: /to gallery/ });
  await expect(save).toBeDisabled();
  await card.getByLabel('Select result 2').check();
  await expect(save).toHaveText('Save 1 to gallery');
  await card.getByRole('button', { name: 'Select all' }).click();
  await expect(save).toHaveText('Save 3 to gallery');
  await save.click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(
    'Saved 3 images to the gallery',
  );
  await expect(card.getByText('In gallery')).toHaveCount(3);
  await expect(card.getByRole('checkbox')).toHaveCount(0);
});

test('the image is in the gallery with its provenance, and its settings go back to Generate', async ({
  page,
}) => {
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Gallery' }).click();
  const tile = page.locator('[data-testid^="gallery-tile-"]').first();
  // One batch differs only by the index in it: one stack of three, which opens in place.
  await expect(page.locator('[data-testid^="gallery-tile-"]')).toHaveCount(1);
  await expect(page.getByTestId('stack-count')).toHaveText('3');
  await tile.click();
  await expect(page.locator('[data-testid^="gallery-tile-"]')).toHaveCount(3);
  await expect
    .poll(() => tile.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await screenshot(page, 'gallery-grid');

  await tile.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const provenance = dialog.getByTestId('provenance');
  await expect(provenance).toContainText(prompt);
  await expect(provenance).toContainText(seed);
  await expect(provenance).toContainText('512 × 512');
  await expect(provenance).toContainText('12');
  await expect(provenance).toContainText('sd_xl_base_1.0.safetensors');
  await expect(provenance).toContainText(e2eGenCurator.username);
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await expect(dialog).toContainText('1 of 3');
  await screenshot(page, 'gallery-lightbox');

  // ← and → step through the gallery; the open image is in the URL.
  await page.keyboard.press('ArrowRight');
  await expect(dialog).toContainText('2 of 3');
  await expect(page).toHaveURL(/\?image=\d+$/);
  await page.keyboard.press('ArrowLeft');
  await expect(dialog).toContainText('1 of 3');

  // The original downloads as an attachment.
  const href = await dialog.getByRole('link', { name: 'Download original' }).getAttribute('href');
  const download = await page.request.get(href!);
  expect(download.status()).toBe(200);
  expect(download.headers()['content-disposition']).toContain('attachment');

  // Esc closes and gives focus back to the tile; the URL forgets the image.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(tile).toBeFocused();

  await tile.click();
  await dialog.getByRole('button', { name: 'Use these settings' }).click();
  await expect(page).toHaveURL(/\/generate$/);
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(prompt);
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue(seed);
  await expect(page.getByRole('button', { name: 'Lock seed' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('12');
});

test('a reload mid-job keeps the live progress', async ({ page }) => {
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  const card = await startJob(page, 'reload me mid-job', 30);
  const before = await waitForStep(card, 3);
  await page.reload();
  const again = page.getByTestId('job-card').filter({ hasText: 'reload me mid-job' }).first();
  await expect(again.getByRole('progressbar')).toBeVisible();
  await expect.poll(() => stepOf(again).catch(() => 0), { timeout: 15_000 }).toBeGreaterThan(before);
  await waitForResult(again);
});

test('Generate and Gallery in dark mode and on a phone', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  await page.goto('/generate');
  await expect(page.getByTestId('job-card').first()).toBeVisible();
  await screenshot(page, 'generate-dark');
  await page.goto('/gallery?stacks=0');
  await expect(page.locator('[data-testid^="gallery-tile-"]').first()).toBeVisible();
  await screenshot(page, 'gallery-dark');
  await page.locator('[data-testid^="gallery-tile-"]').first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await screenshot(page, 'gallery-lightbox-dark');

  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/gallery?stacks=0');
  await expect(page.locator('[data-testid^="gallery-tile-"]').first()).toBeVisible();
  await screenshot(page, 'mobile-gallery');
  await page.locator('[data-testid^="gallery-tile-"]').first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await screenshot(page, 'mobile-gallery-lightbox');
  await page.goto('/generate');
  await expect(page.getByTestId('job-card').first()).toBeVisible();
  await screenshot(page, 'mobile-generate-jobs');
});
