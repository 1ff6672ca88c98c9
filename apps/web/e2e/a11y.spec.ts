import { encodePng } from '@atelier/comfy-sim';
import type { ShareCreated } from '@atelier/contract';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eAdmin } from './credentials.js';
import { expectAccessible } from './support/axe.js';
import { ensureComfyEnabled, signedInContext } from './support/api-setup.js';
import { seedGallery } from './support/gallery-seed.js';
import { expectFocusRingOnTab, expectNoHorizontalOverflow } from './support/layout-checks.js';

// The quality bar on every page: axe-core finds no serious or critical violation, in light and dark,
// at 1280 and 375 px; at 375 px nothing scrolls sideways; at 1280 px the first Tab shows a focus ring.
// The admin sees every page. This spec sorts first: what it adds to the gallery (an image and one made
// from it, with the word below) goes to the trash at the end, and ComfyUI back to its default (off),
// so generate.spec's count of a curator's images and admin.spec's first switch are as they expect.
const word = 'e2ea11y';
const sdxl = 'sd_xl_base_1.0.safetensors';

/** A ComfyUI UI workflow for the import preview (the golden recording, read in place). */
const uiWorkflow = readFileSync(
  join(
    dirname(fileURLToPath(import.meta.url)),
    '../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
  ),
  'utf8',
);

/** An input image for the mask editor: a small gradient. */
function inputPng(): Buffer {
  const width = 160;
  const height = 100;
  const data = new Uint8Array(width * height * 3).map((_, i) => (i % 3 === 1 ? (i / 3) % 256 : 90));
  return encodePng({ width, height, channels: 3, data });
}

let parentId = 0;
let childId = 0;
let sweepId = '';
/** Share links to the parent image: one behind a password, one open with its prompt and downloads. */
let shares: { locked?: ShareCreated; open?: ShareCreated } = {};

async function galleryIds(api: APIRequestContext, q: string): Promise<number[]> {
  const page = (await (await api.get(`/api/gallery/images?q=${q}&stacks=0`)).json()) as {
    items: { id: number }[];
  };
  return page.items.map((item) => item.id);
}

/** An img2img child of `parent`: its bytes uploaded as the input of a new job, whose image is kept. */
async function seedChild(api: APIRequestContext, parent: number): Promise<void> {
  const bytes = await (await api.get(`/api/gallery/images/${parent}/file`)).body();
  const upload = await api.post('/api/comfy/upload', {
    multipart: { image: { name: 'parent.png', mimeType: 'image/png', buffer: bytes } },
  });
  expect(upload.ok(), await upload.text()).toBe(true);
  const { image } = (await upload.json()) as { image: string };
  const queued = await api.post('/api/comfy/txt2img', {
    data: { caption: `${word} child, repainted`, checkpoint: sdxl, image, denoise: 0.6, steps: 2 },
  });
  expect(queued.ok(), await queued.text()).toBe(true);
  const { prompt_id: promptId } = (await queued.json()) as { prompt_id: string };
  await expect
    .poll(
      async () =>
        ((await (await api.get(`/api/comfy/status/${promptId}`)).json()) as { status: string }).status,
      { timeout: 30_000 },
    )
    .toBe('succeeded');
  const kept = await api.post('/api/comfy/ingest/from-job', { data: { prompt_id: promptId } });
  expect(kept.ok(), await kept.text()).toBe(true);
}

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  await ensureComfyEnabled(baseURL!);
  const api = await signedInContext(baseURL!, e2eAdmin.username, e2eAdmin.password);
  if ((await galleryIds(api, `${word}+parent`)).length === 0) {
    await seedGallery(api, [{ caption: `${word} parent, a lighthouse`, checkpoint: sdxl }]);
  }
  parentId = (await galleryIds(api, `${word}+parent`))[0] ?? 0;
  if ((await galleryIds(api, `${word}+child`)).length === 0) await seedChild(api, parentId);
  childId = (await galleryIds(api, `${word}+child`))[0] ?? 0;
  const sweep = await api.post('/api/comfy/sweeps', {
    data: {
      base: {
        kind: 'txt2img',
        params: { caption: `${word} sweep`, checkpoint: sdxl, width: 64, height: 64, steps: 2 },
      },
      axes: [{ param: 'cfg', values: [4, 7] }],
    },
  });
  expect(sweep.ok(), await sweep.text()).toBe(true);
  sweepId = ((await sweep.json()) as { sweep_id: string }).sweep_id;
  const makeShare = async (data: object) =>
    (await (
      await api.post('/api/shares', { data: { target: { image_id: parentId }, ...data } })
    ).json()) as ShareCreated;
  shares = {
    locked: await makeShare({ password: 'a11y-harbour' }),
    open: await makeShare({ redact: false, allow_download: true }),
  };
  await api.dispose();
});

test.afterAll(async ({ baseURL }) => {
  const api = await signedInContext(baseURL!, e2eAdmin.username, e2eAdmin.password);
  for (const share of Object.values(shares)) await api.delete(`/api/shares/${share.id}`);
  for (const id of [childId, parentId]) if (id) await api.delete(`/api/gallery/images/${id}`);
  await api.patch('/api/admin/config', { data: { comfy_enabled: null } });
  await api.dispose();
});

async function signIn(page: Page, baseURL: string): Promise<void> {
  const login = await page.request.post('/api/auth/login', {
    data: { username: e2eAdmin.username, password: e2eAdmin.password },
    headers: { origin: baseURL },
  });
  expect(login.ok()).toBe(true);
}

const heading = (page: Page, name: string | RegExp) =>
  expect(page.getByRole('heading', { level: 1, name })).toBeVisible();

interface PageCase {
  name: string;
  path: () => string;
  /** Waits for the state worth scanning (loaded, not a spinner). */
  ready: (page: Page) => Promise<void>;
  signedOut?: boolean;
}

const pages: PageCase[] = [
  {
    name: 'login',
    path: () => '/login',
    signedOut: true,
    ready: async (page) => expect(page.getByLabel('Username')).toBeVisible(),
  },
  {
    name: 'generate',
    path: () => '/generate',
    ready: async (page) => {
      await heading(page, 'Generate');
      await expect(page.getByLabel('Prompt', { exact: true })).toBeEditable();
    },
  },
  {
    name: 'generate with the mask editor',
    path: () => '/generate',
    ready: async (page) => {
      const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/comfy/upload'));
      await page
        .getByLabel('Input image', { exact: true })
        .setInputFiles({ name: 'input.png', mimeType: 'image/png', buffer: inputPng() });
      expect((await uploaded).status()).toBe(201);
      await expect(page.getByRole('img', { name: 'Input image preview' })).toBeVisible();
      await page.getByRole('switch', { name: 'Paint a mask' }).click();
      await expect(page.getByRole('region', { name: 'Mask editor' })).toBeVisible();
    },
  },
  {
    name: 'gallery',
    path: () => `/gallery?q=${word}&stacks=0`,
    ready: async (page) => expect(page.locator('[data-testid^="gallery-tile-"]')).toHaveCount(2),
  },
  {
    name: 'gallery lightbox with lineage',
    path: () => `/gallery?q=${word}&stacks=0&image=${childId}`,
    ready: async (page) => {
      const dialog = page.getByRole('dialog', { name: `Image ${childId}` });
      await expect(dialog.getByTestId('lineage')).toBeVisible();
      await expect(dialog.getByTestId('provenance')).toBeVisible();
    },
  },
  {
    name: 'queue',
    path: () => '/queue',
    ready: async (page) => {
      await heading(page, 'Queue');
      await expect(page.getByText('Your GPU time')).toBeVisible();
    },
  },
  { name: 'review', path: () => '/review', ready: (page) => heading(page, 'Review') },
  { name: 'trash', path: () => '/trash', ready: (page) => heading(page, 'Trash') },
  {
    name: 'admin',
    path: () => '/admin',
    ready: async (page) => {
      await expect(page.getByRole('switch', { name: 'Enable ComfyUI integration' })).toBeVisible();
      await expect(page.getByTestId(`user-row-${e2eAdmin.username}`)).toBeVisible();
    },
  },
  { name: 'admin usage', path: () => '/admin/usage', ready: (page) => heading(page, 'GPU usage') },
  {
    name: 'sweep',
    path: () => `/sweeps/${sweepId}`,
    ready: async (page) => {
      await expect(page.getByTestId('sweep-progress')).toHaveText('2 of 2 done', { timeout: 30_000 });
    },
  },
  {
    name: 'workflows',
    path: () => '/workflows',
    ready: async (page) => {
      await heading(page, 'Workflows');
      await expect(page.getByTestId('workflow-item').first()).toBeVisible();
    },
  },
  {
    name: 'workflow import preview',
    path: () => '/workflows',
    ready: async (page) => {
      await expect(page.getByTestId('workflow-item').first()).toBeVisible();
      await page.getByTestId('import-file').setInputFiles({
        name: '01_default_workflow.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify((JSON.parse(uiWorkflow) as { workflow: unknown }).workflow)),
      });
      await expect(page.getByTestId('import-preview')).toContainText('7 nodes');
    },
  },
  {
    name: 'account',
    path: () => '/account',
    ready: async (page) => {
      await heading(page, 'Account');
      await expect(page.getByText('This device', { exact: true })).toBeVisible();
    },
  },
  {
    name: 'share page password form',
    path: () => shares.locked!.url,
    signedOut: true,
    ready: async (page) => expect(page.getByLabel('Password')).toBeVisible(),
  },
  {
    name: 'share page grid',
    path: () => shares.open!.url,
    signedOut: true,
    ready: async (page) =>
      expect(page.getByRole('list', { name: 'Shared images' }).getByRole('listitem')).toHaveCount(1),
  },
  {
    name: 'share page lightbox',
    path: () => shares.open!.url,
    signedOut: true,
    ready: async (page) => {
      await page.getByRole('button', { name: /^Open image 1 of 1/ }).click();
      await expect(
        page.getByRole('dialog', { name: 'Image 1 of 1' }).getByTestId('share-params'),
      ).toBeVisible();
      await expect(page.getByRole('img', { name: 'Shared image 1' })).toHaveJSProperty('complete', true);
    },
  },
  {
    name: 'share dialog',
    path: () => `/gallery?q=${word}&stacks=0`,
    ready: async (page) => {
      const tile = page.locator('[data-testid^="gallery-tile-"]').first();
      await tile.focus();
      await page.keyboard.press('Space');
      await page.getByRole('button', { name: 'Share…' }).click();
      await expect(page.getByRole('dialog', { name: 'Share 1 image' })).toBeVisible();
    },
  },
  { name: 'forbidden', path: () => '/forbidden', ready: (page) => heading(page, /access/) },
  { name: 'not found', path: () => '/no-such-page', ready: (page) => heading(page, 'Page not found') },
];

for (const scheme of ['light', 'dark'] as const) {
  for (const width of [1280, 375]) {
    test.describe(`${scheme} · ${width}px`, () => {
      test.use({ colorScheme: scheme, viewport: { width, height: 800 } });

      for (const one of pages) {
        test(one.name, async ({ page, baseURL }) => {
          if (!one.signedOut) await signIn(page, baseURL!);
          await page.goto(one.path());
          await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
          await one.ready(page);
          const label = `${one.name} · ${scheme} · ${width}px`;
          await expectAccessible(page, label);
          if (width === 375) await expectNoHorizontalOverflow(page, label);
          else if (scheme === 'light') await expectFocusRingOnTab(page, label);
        });
      }
    });
  }
}

test('the lightbox walks an image’s lineage: to its parent and back to the child', async ({
  page,
  baseURL,
}) => {
  await signIn(page, baseURL!);
  // Opened on its own, outside any result list: stepping is off, lineage works.
  await page.goto(`/gallery?q=nothing-matches-this&image=${childId}`);
  const child = page.getByRole('dialog', { name: `Image ${childId}` });
  await expect(child.getByRole('button', { name: 'Next image' })).toBeDisabled();
  await child
    .getByRole('button', { name: `Open image ${parentId}, the image this one was made from` })
    .click();
  await expect(page).toHaveURL(new RegExp(`image=${parentId}`));
  const parent = page.getByRole('dialog', { name: `Image ${parentId}` });
  await parent.getByRole('button', { name: `Open image ${childId}, made from this one` }).click();
  await expect(page.getByRole('dialog', { name: `Image ${childId}` })).toBeVisible();
  // Back walks the chain backwards.
  await page.goBack();
  await expect(page.getByRole('dialog', { name: `Image ${parentId}` })).toBeVisible();
});
