import { expect, test, type Page } from '@playwright/test';
import { e2eSearchCurator } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';
import { seedGallery } from './support/gallery-seed.js';

// The gallery search as a user drives it: a query in the URL, facets and chips, a stack opened in
// place and two images compared. The images come from real (simulated) generations, kept through the
// API; each carries the word "e2eseek" so other specs' images never get in the way.
const word = 'e2eseek';
const sdxl = 'sd_xl_base_1.0.safetensors';
const sd15 = 'v1-5-pruned-emaonly.safetensors';

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eSearchCurator);
  const api = await signedInContext(baseURL!, e2eSearchCurator.username, e2eSearchCurator.password);
  const existing = (await (await api.get(`/api/gallery/images?q=${word}&stacks=0`)).json()) as {
    items: unknown[];
  };
  if (existing.items.length === 0) {
    await seedGallery(api, [
      // Three of a batch differ only by their index in it: one stack.
      { caption: `${word} red lighthouse at dusk`, checkpoint: sdxl, batch_size: 3 },
      { caption: `${word} blue harbor with boats`, checkpoint: sd15, loras: ['sim-watercolor.safetensors'] },
      { caption: `${word} green forest in fog`, checkpoint: sd15, seed: 99 },
    ]);
  }
  await api.dispose();
});

const tiles = (page: Page) => page.locator('[data-testid^="gallery-tile-"]');

test.beforeEach(async ({ page }) => {
  await logIn(page, e2eSearchCurator.username, e2eSearchCurator.password);
});

test('a search typed in the box is in the URL, and Back restores the one before', async ({ page }) => {
  await page.goto(`/gallery?q=${word}`);
  await expect(tiles(page)).toHaveCount(3);
  const box = page.getByLabel('Search images');
  await expect(box).toHaveValue(word);

  // `/` focuses the search from anywhere but a text field.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await expect(box).toBeFocused();
  await box.fill(`${word} harbor`);
  await box.press('Enter');
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}(\\+|%20)harbor`));
  await expect(tiles(page)).toHaveCount(1);
  await screenshot(page, 'gallery-search');

  // A problem in the query is underlined and explained as it is typed.
  await box.fill(`${word} seed:abc`);
  await expect(page.getByTestId('search-problems')).toContainText('seed');
  await expect(box).toHaveAttribute('aria-invalid', 'true');

  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}$`));
  await expect(tiles(page)).toHaveCount(3);
  await expect(box).toHaveValue(word);
});

test('the box completes model names from the gallery, and an image leads to more like it', async ({
  page,
}) => {
  await page.goto(`/gallery?q=${word}`);
  const box = page.getByLabel('Search images');
  await box.click();
  await box.press('End');
  await box.pressSequentially(' model:v1-5');
  const options = page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');
  await expect(options.filter({ hasText: sd15 })).toHaveCount(1);
  // Arrows move through the suggestions (the .ckpt of the same name is one of them).
  const wanted = options.filter({ hasText: new RegExp(`^${sd15}$`) });
  for (let i = 0; i < 4 && (await wanted.getAttribute('aria-selected')) !== 'true'; i++) {
    await box.press('ArrowDown');
  }
  await expect(wanted).toHaveAttribute('aria-selected', 'true');
  await box.press('Enter');
  await expect(box).toHaveValue(`${word} model:${sd15} `);
  await box.press('Enter');
  await expect(tiles(page)).toHaveCount(2);

  await tiles(page).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'More like this' }).click();
  await expect(page).toHaveURL(/[?&]similar=\d+/);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByText(/^More like image \d+$/)).toBeVisible();
  await expect(page.getByTestId('result-count')).toContainText('like it');
});

test('a facet adds a filter chip; removing the chip widens the search again', async ({ page }) => {
  await page.goto(`/gallery?q=${word}`);
  await expect(tiles(page)).toHaveCount(3);
  const facets = page.getByRole('complementary', { name: 'Refine' });
  await facets.getByRole('button', { name: new RegExp(`^Model .*\\(${sd15}\\)$`) }).click();
  const chip = page.getByTestId('filter-chip');
  await expect(chip).toHaveText(`model:${sd15}`);
  await expect(page.getByLabel('Search images')).toHaveValue(`${word} model:${sd15}`);
  await expect(tiles(page)).toHaveCount(2);
  await screenshot(page, 'gallery-facet-chip');

  await page.getByRole('button', { name: `Remove filter model:${sd15}` }).click();
  await expect(chip).toHaveCount(0);
  await expect(tiles(page)).toHaveCount(3);
  await expect(page).toHaveURL(new RegExp(`[?&]q=${word}$`));
});

test('a stack opens in place, closes again, and the switch flattens all stacks', async ({ page }) => {
  await page.goto(`/gallery?q=${word}+lighthouse`);
  await expect(tiles(page)).toHaveCount(1);
  await expect(page.getByTestId('stack-count')).toHaveText('3');
  await tiles(page).first().click();
  await expect(tiles(page)).toHaveCount(3);
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await screenshot(page, 'gallery-stack-open');
  await page.getByRole('button', { name: /^Collapse the stack/ }).click();
  await expect(tiles(page)).toHaveCount(1);

  await page.getByRole('switch', { name: 'Stack similar images' }).click();
  await expect(page).toHaveURL(/[?&]stacks=0/);
  await expect(tiles(page)).toHaveCount(3);
  await expect(page.getByTestId('stack-count')).toHaveCount(0);
});

test('two picked images compare side by side with one zoom, and what varies between them', async ({
  page,
}) => {
  await page.goto(`/gallery?q=${word}+model:${sd15}`);
  await expect(tiles(page)).toHaveCount(2);
  // Space picks the focused tile; the arrow keys move between tiles.
  await tiles(page).first().focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await expect(page.getByRole('button', { name: /^Select image/, pressed: true })).toHaveCount(2);

  await page.getByRole('button', { name: 'What varies' }).click();
  const varies = page.getByTestId('what-varies');
  await expect(varies).toContainText('What varies across 2 images');
  await expect(varies).toContainText('Prompt');

  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Compare 2 images' });
  await expect(dialog).toBeVisible();
  const images = dialog.getByTestId('compare-image');
  await expect(images).toHaveCount(2);
  const transforms = () =>
    images.evaluateAll((all) => all.map((img) => (img as HTMLElement).style.transform));

  await images.first().hover();
  await page.mouse.wheel(0, -300);
  await expect.poll(async () => new Set(await transforms()).size).toBe(1);
  const [zoomed] = await transforms();
  expect(zoomed).toMatch(/scale\((?!1\.000)/);
  // Dragging the other pane pans both.
  const box = (await images.nth(1).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 20, { steps: 4 });
  await page.mouse.up();
  const panned = await transforms();
  expect(panned[0]).toBe(panned[1]);
  expect(panned[0]).not.toBe(zoomed);
  await screenshot(page, 'gallery-compare');

  await dialog.getByRole('button', { name: 'Slider' }).click();
  await expect(dialog.getByLabel('Wipe position')).toBeVisible();
  // Esc closes the compare view, then clears the selection.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
});
