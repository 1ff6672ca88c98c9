import type { GallerySearchPage, ShareCreated } from '@atelier/contract';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { e2eAdmin } from './credentials.js';
import { logIn } from './helpers.js';
import { ensureComfyEnabled, signedInContext } from './support/api-setup.js';
import { seedGallery } from './support/gallery-seed.js';

// A share link opened by someone who has no account: a fresh browser context, never signed in.
const word = 'e2eshare';
let api: APIRequestContext;
let imageIds: number[];

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  await ensureComfyEnabled(baseURL!);
  api = await signedInContext(baseURL!, e2eAdmin.username, e2eAdmin.password);
  const find = async () =>
    ((await (await api.get(`/api/gallery/images?q=${word}&stacks=0`)).json()) as GallerySearchPage).items;
  if ((await find()).length === 0) {
    await seedGallery(api, [
      { caption: `${word} a lighthouse`, checkpoint: 'sd_xl_base_1.0.safetensors', batch_size: 2 },
    ]);
  }
  imageIds = (await find()).map((item) => item.id);
});
test.afterAll(() => api.dispose());

async function share(body: object): Promise<ShareCreated> {
  const res = await api.post('/api/shares', { data: body });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as ShareCreated;
}

test('a visitor unlocks a link with its password and sees only its image, without its prompt', async ({
  browser,
}) => {
  const created = await share({ target: { image_id: imageIds[0] }, password: 'harbour-light' });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(created.url);
  await expect(page.locator('meta[name="robots"]')).toHaveAttribute('content', 'noindex, nofollow');
  const password = page.getByLabel('Password');
  await password.fill('wrong-guess');
  await page.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByText('That is not the password.')).toBeVisible();
  await password.fill('harbour-light');
  await page.getByRole('button', { name: 'Open' }).click();
  const images = page.getByRole('list', { name: 'Shared images' }).getByRole('listitem');
  await expect(images).toHaveCount(1);
  await expect(page.locator('img').first()).toHaveJSProperty('complete', true);
  await expect(page.getByText(word)).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Download' })).toHaveCount(0);
  await context.close();
});

test('a revoked link tells the visitor it does not exist', async ({ browser }) => {
  const created = await share({ target: { ids: imageIds }, redact: false, allow_download: true });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(created.url);
  await expect(page.getByRole('link', { name: 'Download' })).toHaveCount(imageIds.length);
  await expect(page.getByText(word).first()).toBeVisible();
  expect((await api.delete(`/api/shares/${created.id}`)).status()).toBe(204);
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('does not exist or was revoked');
  await context.close();
});

test('the Share dialog from the selection bar makes a link a signed-out visitor can open', async ({
  page,
  browser,
}) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto(`/gallery?q=${word}&stacks=0`);
  const tiles = page.locator('[data-testid^="gallery-tile-"]');
  await expect(tiles.first()).toBeVisible();
  await tiles.first().focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await page.getByRole('button', { name: 'Share…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share 1 image' });
  await dialog.getByRole('switch', { name: 'Allow downloads' }).click();
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = await dialog.getByLabel('Link').inputValue();
  expect(link).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);

  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto(link);
  await expect(visitor.getByRole('list', { name: 'Shared images' }).getByRole('listitem')).toHaveCount(1);
  await expect(visitor.getByRole('link', { name: 'Download' })).toHaveCount(1);
  await context.close();
});

test('the lightbox shares the image it shows', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto(`/gallery?q=${word}&stacks=0`);
  const tiles = page.locator('[data-testid^="gallery-tile-"]');
  await tiles.first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Share…' }).click();
  const dialog = page.getByRole('dialog', { name: /^Share image \d+$/ });
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await expect(dialog.getByLabel('Link')).toHaveValue(/\/s\/[A-Za-z0-9_-]{43}$/);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test("a board's link shows the board's images to a visitor", async ({ page, browser }) => {
  const board = await api.post('/api/boards', { data: { name: `${word} board`, query: { q: word } } });
  expect(board.status()).toBe(201);
  const { id } = (await board.json()) as { id: number };
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/gallery');
  await page.getByRole('button', { name: `Share a link to ${word} board` }).click();
  const dialog = page.getByRole('dialog', { name: `Share “${word} board”` });
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = await dialog.getByLabel('Link').inputValue();
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto(link);
  await expect(visitor.getByRole('heading', { name: `${word} board` })).toBeVisible();
  await expect(visitor.getByRole('list', { name: 'Shared images' }).getByRole('listitem')).toHaveCount(
    imageIds.length,
  );
  await context.close();
  expect((await api.delete(`/api/boards/${id}`)).status()).toBe(204);
});

test('the owner sees a visited link with its views in Account, revokes it, and the visitor gets “not found”', async ({
  page,
  browser,
}) => {
  const created = await share({ target: { image_id: imageIds[0] } });
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto(created.url);
  await expect(visitor.getByRole('list', { name: 'Shared images' }).getByRole('listitem')).toHaveCount(1);

  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/account');
  const row = page.getByTestId(`share-link-${created.id}`);
  await expect(row).toContainText('1 image');
  await expect(row.getByTestId('share-views')).toHaveText('1 view');
  await expect(row).toContainText('Prompts hidden');
  await row.getByRole('button', { name: /^Revoke/ }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke this link?' });
  await confirm.getByRole('button', { name: 'Revoke link' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toHaveCount(0);
  await expect(page.getByText(/Atelier keeps only a hash of it/)).toBeFocused();

  await visitor.reload();
  await expect(visitor.getByRole('alert')).toContainText('does not exist or was revoked');
  await context.close();
});

test("an admin's All users switch lists the links with their owner", async ({ page }) => {
  const created = await share({ target: { ids: imageIds } });
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/account');
  await page.getByRole('switch', { name: "All users' links" }).click();
  const row = page.getByTestId(`share-link-${created.id}`);
  await expect(row).toContainText(`${imageIds.length} images`);
  await expect(row).toContainText(`by ${e2eAdmin.username}`);
  expect((await api.delete(`/api/shares/${created.id}`)).status()).toBe(204);
});

test('the lightbox of a share steps with the arrow keys, closes on Esc back to its thumbnail, and offers Download only when allowed', async ({
  browser,
}) => {
  const shown = await share({ target: { ids: imageIds }, redact: false, allow_download: false });
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto(shown.url);
  const count = imageIds.length;
  await visitor.getByRole('button', { name: new RegExp(`^Open image 1 of ${count}`) }).click();
  await expect(visitor.getByRole('dialog', { name: `Image 1 of ${count}` })).toBeVisible();
  await expect(visitor.getByTestId('share-params')).toContainText(word);
  await expect(visitor.getByRole('link', { name: 'Download' })).toHaveCount(0);
  await visitor.keyboard.press('ArrowRight');
  await expect(visitor.getByRole('dialog', { name: `Image 2 of ${count}` })).toBeVisible();
  await visitor.keyboard.press('ArrowLeft');
  await expect(visitor.getByRole('dialog', { name: `Image 1 of ${count}` })).toBeVisible();
  await visitor.getByRole('button', { name: 'Next image' }).click();
  const second = visitor.getByRole('dialog', { name: `Image 2 of ${count}` });
  await expect(second).toBeVisible();
  await visitor.keyboard.press('Escape');
  await expect(second).toHaveCount(0);
  await expect(visitor.getByRole('button', { name: new RegExp(`^Open image 2 of ${count}`) })).toBeFocused();
  // Redacted and downloadable: Download in the lightbox, no parameters.
  const downloadable = await share({ target: { ids: imageIds }, allow_download: true });
  await visitor.goto(downloadable.url);
  await expect(visitor.getByRole('link', { name: 'Download' })).toHaveCount(count);
  // A visitor has no account: nothing on the page leads into the app behind the sign-in.
  const hrefs = await visitor
    .locator('a[href]')
    .evaluateAll((links) => links.map((link) => new URL((link as HTMLAnchorElement).href).pathname));
  expect(hrefs).toHaveLength(count);
  for (const href of hrefs) expect(href).toMatch(/^\/(api\/public\/shares|s)\//);

  await visitor.getByRole('button', { name: new RegExp(`^Open image 1 of ${count}`) }).click();
  const dialog = visitor.getByRole('dialog', { name: `Image 1 of ${count}` });
  await expect(dialog.getByRole('link', { name: 'Download' })).toHaveAttribute(
    'href',
    /^\/api\/public\/shares\/.+\/file\?download=1$/,
  );
  await expect(dialog.getByTestId('share-params')).toHaveCount(0);
  await context.close();
});
