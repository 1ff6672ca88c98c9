import { encodePng } from '@atelier/comfy-sim';
import { expect, test, type Page } from '@playwright/test';
import { e2eImg2imgUser } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { waitForResult } from './support/generate-page.js';

// Image to image from the browser: a file picked as the input (its upload's progress, its thumbnail),
// a request that follows the input's size, and results (or gallery images) used as the next input.
test.describe.configure({ mode: 'serial' });

const input = { width: 256, height: 192 };
const prompt = 'the same harbour at night, img2img e2e';

function inputPng(): Buffer {
  const data = new Uint8Array(input.width * input.height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = (i / 3) % 256;
    data[i + 1] = 90;
    data[i + 2] = 200;
  }
  return encodePng({ ...input, channels: 3, data });
}

const isTxt2img = (url: string, method: string) => method === 'POST' && url.endsWith('/api/comfy/txt2img');

/** Sets the input through the labelled file control and waits for its upload's answer. */
async function pickInput(page: Page): Promise<{ image: string; width: number; height: number }> {
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/comfy/upload'));
  await page
    .getByLabel('Input image', { exact: true })
    .setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: inputPng() });
  const response = await uploaded;
  expect(response.status()).toBe(201);
  return (await response.json()) as { image: string; width: number; height: number };
}

async function expectThumbnail(page: Page): Promise<void> {
  const thumbnail = page.getByRole('img', { name: 'Input image preview' });
  await expect(thumbnail).toHaveAttribute('src', /\/api\/comfy\/view\?.*type=input/);
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
}

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eImg2imgUser);
});

test('img2img from a file: upload progress, thumbnail, and a request that follows the input size', async ({
  page,
}) => {
  await logIn(page, e2eImg2imgUser.username, e2eImg2imgUser.password);
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByLabel('Steps', { exact: true }).fill('3');

  // The upload's answer is held back, so its progress can be seen (and Generate waits for it).
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/comfy/upload', async (route) => {
    await held;
    await route.continue();
  });
  const uploaded = pickInput(page);
  await expect(page.getByRole('progressbar', { name: 'Upload progress' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
  release();
  const upload = await uploaded;
  await page.unroute('**/api/comfy/upload');
  await expect(page.getByRole('progressbar', { name: 'Upload progress' })).toHaveCount(0);
  expect(upload).toMatchObject({ width: input.width, height: input.height });
  await expectThumbnail(page);
  await expect(page.getByText(`${input.width} × ${input.height} · PNG`)).toBeVisible();

  // The size follows the input: the size fields are off, and no width/height goes out.
  await expect(page.getByRole('switch', { name: 'Match input size' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await expect(page.getByLabel('Width', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Denoise', { exact: true })).toHaveValue('0.75');
  await page.getByLabel('Denoise value', { exact: true }).fill('0.6');
  await expectAccessible(page, 'generate with an input image');
  await screenshot(page, 'generate-img2img');

  const sent = page.waitForRequest((r) => isTxt2img(r.url(), r.method()));
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const body = (await sent).postDataJSON() as Record<string, unknown>;
  expect(body).toMatchObject({ caption: prompt, image: upload.image, denoise: 0.6 });
  expect(body).not.toHaveProperty('width');
  expect(body).not.toHaveProperty('height');

  const card = page.getByTestId('job-card').filter({ hasText: prompt }).first();
  const result = await waitForResult(card);
  // The image was made from the input, at its size.
  expect(await result.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(input.width);
  expect(await result.evaluate((img: HTMLImageElement) => img.naturalHeight)).toBe(input.height);
});

test('a job result becomes the next input, and a chosen size goes out when the input is not followed', async ({
  page,
}) => {
  await logIn(page, e2eImg2imgUser.username, e2eImg2imgUser.password);
  await page.goto('/generate');
  const card = page.getByTestId('job-card').filter({ hasText: prompt }).first();
  await waitForResult(card);
  await expect(page.getByRole('img', { name: 'Input image preview' })).toHaveCount(0);

  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/comfy/upload'));
  await card.getByRole('button', { name: 'Use result 1 as input' }).click();
  const upload = (await (await uploaded).json()) as { image: string; width: number };
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText('Input image set');
  await expectThumbnail(page);
  await expectAccessible(page, 'generate with results used as input');
  expect(upload.width).toBe(input.width);

  await page.getByLabel('Prompt', { exact: true }).fill(`${prompt}, again`);
  await page.getByRole('switch', { name: 'Match input size' }).click();
  await page.getByRole('button', { name: 'Small' }).click();
  const sent = page.waitForRequest((r) => isTxt2img(r.url(), r.method()));
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const body = (await sent).postDataJSON() as Record<string, unknown>;
  expect(body).toMatchObject({ image: upload.image, width: 512, height: 512, denoise: 0.75 });
  await waitForResult(
    page
      .getByTestId('job-card')
      .filter({ hasText: `${prompt}, again` })
      .first(),
  );

  // Kept in the gallery, the result is an input from the lightbox too.
  await card.getByRole('button', { name: 'Select all' }).click();
  await card.getByRole('button', { name: /Keep 1 private/ }).click();
  await expect(card.getByText('In gallery')).toHaveCount(1);
  await page.getByRole('button', { name: /Remove input image/ }).click();
  await page.goto('/gallery?stacks=0');
  await page.locator('[data-testid^="gallery-tile-"]').first().click();
  const dialog = page.getByRole('dialog');
  const fromGallery = page.waitForResponse((r) => r.url().endsWith('/api/comfy/upload'));
  await dialog.getByRole('button', { name: 'Use as input' }).click();
  expect((await fromGallery).status()).toBe(201);
  await expect(page).toHaveURL(/\/generate$/);
  await expectThumbnail(page);
});

test('the input image on a phone and in dark mode: nothing overflows, nothing is hidden', async ({
  page,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 375, height: 812 });
  await logIn(page, e2eImg2imgUser.username, e2eImg2imgUser.password);
  await page.goto('/generate');
  await pickInput(page);
  await expectThumbnail(page);
  const zone = page.getByTestId('image-input-zone');
  for (const part of [
    zone,
    page.getByRole('img', { name: 'Input image preview' }),
    zone.getByRole('button', { name: 'Replace' }),
    zone.getByRole('button', { name: /Remove/ }),
    page.getByLabel('Denoise value', { exact: true }),
  ]) {
    await part.scrollIntoViewIfNeeded();
    await expect(part).toBeVisible();
    // Whole within the phone's width: not cut off at either side.
    const box = (await part.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expectAccessible(page, 'generate with an input image · dark · 375px');
  await screenshot(page, 'mobile-generate-img2img-dark');
});
