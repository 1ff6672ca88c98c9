import { expect, test, type Page } from '@playwright/test';
import { readFileSync, statSync } from 'node:fs';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';
import { seedGallery } from './support/gallery-seed.js';
import { startJob, waitForResult } from './support/generate-page.js';

// The curator's day: keep → submit → approve → the team sees it; a bulk tag over a search; boards;
// trash and restore; a ZIP. Named to run after generate.spec, which counts every image a curator
// sees; its own images carry the words below so the other specs' never get in the way.
const kept = 'e2ekeepme';
const batch = 'e2ebatchy';
const owner = { username: 'kim.keeper', password: 'kim-Passw0rd', role: 'user' } as const;
const teammate = { username: 'tess.team', password: 'tess-Passw0rd', role: 'user' } as const;
const curator = { username: 'cass.curator', password: 'cass-Passw0rd', role: 'curator' } as const;

const tiles = (page: Page) => page.locator('[data-testid^="gallery-tile-"]');
const toast = (page: Page, title: string | RegExp) =>
  page.getByRole('region', { name: 'Notifications' }).getByRole('listitem').filter({ hasText: title });

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  await ensureComfyEnabled(baseURL!);
  for (const user of [owner, teammate, curator]) await ensureUser(baseURL!, user);
  const api = await signedInContext(baseURL!, curator.username, curator.password);
  const existing = (await (await api.get(`/api/gallery/images?q=${batch}&stacks=0`)).json()) as {
    items: unknown[];
  };
  if (existing.items.length === 0) {
    await seedGallery(api, [
      { caption: `${batch} orange kite`, checkpoint: 'sd_xl_base_1.0.safetensors', seed: 1 },
      { caption: `${batch} purple kite`, checkpoint: 'sd_xl_base_1.0.safetensors', seed: 2 },
      { caption: `${batch} yellow kite`, checkpoint: 'sd_xl_base_1.0.safetensors', seed: 3 },
    ]);
  }
  await api.dispose();
});

test('a user keeps a result, submits it, a curator approves it, and the team sees it', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await logIn(page, owner.username, owner.password);
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }),
  ).toHaveCount(0);
  const card = await startJob(page, `${kept} teal lantern`, 2);
  await waitForResult(card);
  await card.getByLabel('Select result 1').check();
  await card.getByRole('button', { name: 'Keep 1 private' }).click();
  await expect(toast(page, 'Kept in your gallery')).toBeVisible();

  await page.goto(`/gallery?q=${kept}`);
  await expect(tiles(page)).toHaveCount(1);
  await tiles(page).first().click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('image-status')).toHaveText('private');
  await dialog.getByRole('button', { name: 'Submit for review' }).click();
  await expect(dialog.getByTestId('image-status')).toHaveText('pending');

  // Private and pending images are the owner's (and curators'): a teammate finds nothing yet.
  const team = await signedInContext(baseURL!, teammate.username, teammate.password);
  const before = (await (await team.get(`/api/gallery/images?q=${kept}`)).json()) as { items: unknown[] };
  expect(before.items).toHaveLength(0);

  const curatorPage = await (await browser.newContext()).newPage();
  await logIn(curatorPage, curator.username, curator.password);
  await curatorPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }).click();
  await expect(curatorPage.getByRole('img', { name: /^Image \d+$/ })).toBeVisible();
  await expect(curatorPage.getByTestId('provenance')).toContainText(kept);
  await screenshot(curatorPage, 'review-page');
  await curatorPage.keyboard.press('a');
  await expect(toast(curatorPage, /^Approved image \d+/)).toBeVisible();
  await expect(curatorPage.getByText('Nothing to review')).toBeVisible();
  await curatorPage.context().close();

  const teammatePage = await (await browser.newContext()).newPage();
  await logIn(teammatePage, teammate.username, teammate.password);
  await teammatePage.goto(`/gallery?q=${kept}`);
  await expect(tiles(teammatePage)).toHaveCount(1);
  await teammatePage.context().close();
  await team.dispose();
});

test('Ctrl-A selects all matching; a bulk tag sends the search, and Undo takes it back', async ({
  page,
  baseURL,
}) => {
  await logIn(page, curator.username, curator.password);
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  await expect(tiles(page)).toHaveCount(3);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  const sent = page.waitForRequest((request) => request.url().endsWith('/api/gallery/bulk'));
  await page.keyboard.press('Control+a');
  await expect(page.getByTestId('selection-count')).toHaveText('All 3 matching');
  await page.getByRole('button', { name: 'Tag', exact: true }).click();
  await page.getByLabel('Tags to add').fill('e2e-kites');
  await page.getByRole('button', { name: 'Add tags' }).click();
  expect((await sent).postDataJSON()).toMatchObject({ selection: { query: { q: batch } } });
  const tagged = toast(page, 'Tagged 3 images e2e-kites');
  await expect(tagged).toBeVisible();
  await screenshot(page, 'gallery-bulk-tag');

  const api = await signedInContext(baseURL!, curator.username, curator.password);
  const count = async () =>
    ((await (await api.get('/api/gallery/images?tag=e2e-kites&stacks=0')).json()) as { items: unknown[] })
      .items.length;
  expect(await count()).toBe(3);
  await tagged.getByRole('button', { name: 'Undo' }).click();
  await expect(toast(page, 'Undone')).toBeVisible();
  expect(await count()).toBe(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  await api.dispose();
});

test('a search saved as a smart board shows its matches; a tile dragged onto a board joins it', async ({
  page,
}) => {
  await logIn(page, curator.username, curator.password);
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  await expect(tiles(page)).toHaveCount(3);
  const boards = page.getByRole('navigation', { name: 'Boards' });
  const name = `Kites ${Date.now()}`;
  await boards.getByLabel('New board name').fill(name);
  await boards.getByRole('button', { name: 'Save this search as a smart board' }).click();
  await expect(page).toHaveURL(/[?&]board=\d+/);
  await expect(tiles(page)).toHaveCount(3);
  const smart = boards.getByRole('listitem').filter({ hasText: name });
  await expect(smart.getByText('Smart')).toBeVisible();
  await expect(smart.getByLabel('3 images')).toBeVisible();

  const manual = `Picks ${Date.now()}`;
  await boards.getByLabel('New board name').fill(manual);
  await boards.getByRole('button', { name: 'Create board' }).click();
  await expect(tiles(page)).toHaveCount(0);
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  const target = boards.getByRole('listitem').filter({ hasText: manual });
  const open = target.getByRole('button', { name: new RegExp(`^${manual} \\d+ images?$`) });
  await tiles(page).first().dragTo(open);
  await expect(toast(page, 'Added 1 image to the board')).toBeVisible();
  await expect(target.getByLabel('1 image', { exact: true })).toBeVisible();
  await open.click();
  await expect(tiles(page)).toHaveCount(1);
  await screenshot(page, 'gallery-boards');
});

test('an image moved to the trash is restored from the Trash page', async ({ page }) => {
  await logIn(page, curator.username, curator.password);
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  await expect(tiles(page)).toHaveCount(3);
  await tiles(page)
    .first()
    .click({ modifiers: ['Control'] });
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await expect(toast(page, 'Moved 1 image to the trash')).toBeVisible();
  await expect(tiles(page)).toHaveCount(2);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
  await expect(page.getByRole('heading', { name: 'Trash' })).toBeVisible();
  await page.goto(`/trash?q=${batch}`);
  await expect(tiles(page)).toHaveCount(1);
  await screenshot(page, 'trash-page');
  await page.getByRole('button', { name: /^Select image \d+$/ }).click();
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(toast(page, 'Restored 1 image')).toBeVisible();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  await expect(tiles(page)).toHaveCount(3);
});

test('a ZIP of all matching downloads with progress, as long as its Content-Length', async ({ page }) => {
  await logIn(page, curator.username, curator.password);
  await page.goto(`/gallery?q=${batch}&stacks=0`);
  await expect(tiles(page)).toHaveCount(3);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+a');
  await page.getByRole('button', { name: 'Export ZIP' }).click();
  await page.getByLabel('JSON sidecars').check();
  const response = page.waitForResponse((r) => r.url().includes('/api/gallery/export.zip'));
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download ZIP' }).click();
  const answer = await response;
  expect(answer.url()).toContain(`q=${batch}`);
  expect(answer.url()).toContain('sidecars=1');
  const length = Number(answer.headers()['content-length']);
  expect(length).toBeGreaterThan(0);
  const file = await (await download).path();
  expect(statSync(file).size).toBe(length);
  expect(readFileSync(file).subarray(0, 2).toString('latin1')).toBe('PK');
  await expect(page.getByTestId('export-done')).toBeVisible();
});
