import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { e2eGenCurator, e2ePlainUser } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { expectNoHorizontalOverflow } from './support/layout-checks.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';
import { waitForResult } from './support/generate-page.js';

// The Workflows page: the shipped library with each template's health, a run form generated from the chosen
// template's contract (bounds, choices read from object_info), a run and its result; a template the simulator
// cannot run (it needs a node class the simulator lacks) is hidden from a plain user and explained to a curator.
test.describe.configure({ mode: 'serial' });

const brokenName = 'e2e_needs_fancy_node';
const versionedName = 'e2e_two_versions';

/** The shipped test pattern with another default colour (a contract's default must be the prompt's value). */
function recoloured(color: number) {
  const read = (path: string) =>
    JSON.parse(readFileSync(new URL(`../../../config/comfy/${path}`, import.meta.url), 'utf8')) as {
      [key: string]: { [key: string]: Record<string, unknown> };
    };
  const prompt = read('workflows/test_pattern.api.json');
  const params = read('params/test_pattern.schema.json');
  prompt['1']!.inputs!.color = color;
  params.properties!.color!.default = color;
  return { prompt, params };
}

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2ePlainUser);
  await ensureUser(baseURL!, e2eGenCurator);
  // Saved through the API as a curator would: a broken template saves, and says why.
  const curator = await signedInContext(baseURL!, e2eGenCurator.username, e2eGenCurator.password);
  const saved = await curator.post('/api/comfy/workflows', {
    data: {
      name: brokenName,
      title: 'Needs a fancy node',
      prompt: {
        '1': { class_type: 'FancyCustomNode', inputs: { strength: 1 } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/fancy' } },
      },
      params: {
        type: 'object',
        additionalProperties: false,
        properties: {
          strength: {
            type: 'number',
            minimum: 0,
            maximum: 2,
            default: 1,
            'x-patch': [{ node: '1', input: 'strength' }],
          },
        },
      },
    },
  });
  expect([201, 409]).toContain(saved.status());
  // A template with two versions: the older one stays runnable.
  const first = await curator.post('/api/comfy/workflows', {
    data: { name: versionedName, title: 'Two versions', ...recoloured(0x102030) },
  });
  if (first.status() === 201) {
    const second = await curator.post(`/api/comfy/workflows/${versionedName}/versions`, {
      data: recoloured(0x405060),
    });
    expect(second.status()).toBe(201);
  } else expect(first.status()).toBe(409);
  await curator.dispose();
});

test('a user sees healthy templates, runs one from its generated form and gets the result', async ({
  page,
}) => {
  await logIn(page, e2ePlainUser.username, e2ePlainUser.password);
  await page.getByRole('link', { name: 'Workflows' }).first().click();
  await expect(page).toHaveURL(/\/workflows/);
  await expect(page.getByRole('heading', { level: 1, name: 'Workflows' })).toBeVisible();

  const item = (name: string) => page.locator(`[data-testid="workflow-item"][data-name="${name}"]`);
  await expect(item('test_pattern')).toBeVisible();
  await expect(item('test_pattern').getByTestId('workflow-health')).toHaveText(/OK/);
  // Broken templates are not offered to plain users.
  await expect(item(brokenName)).toHaveCount(0);

  await item('basic_txt2img').getByRole('button').first().click();
  await expect(page).toHaveURL(/template=basic_txt2img/);
  const form = page.getByRole('form', { name: 'Run Basic text to image' });
  const steps = form.getByLabel('Steps', { exact: true });
  await expect(steps).toHaveAttribute('min', '1');
  await expect(steps).toHaveAttribute('max', '150');
  await expect(form.getByLabel('Width', { exact: true })).toHaveAttribute('step', '8');
  // The checkpoint choices come from the server's object_info; the sampler's from the contract.
  const checkpoints = await form
    .getByLabel('Checkpoint', { exact: true })
    .locator('option')
    .allTextContents();
  expect(checkpoints).toEqual(
    expect.arrayContaining(['v1-5-pruned-emaonly.ckpt', 'sd_xl_base_1.0.safetensors']),
  );
  const samplers = await form.getByLabel('Sampler', { exact: true }).locator('option').allTextContents();
  expect(samplers).toEqual(expect.arrayContaining(['euler', 'dpmpp_2m']));
  // Knobs the contract gives no default start at the template's own values (its prompt).
  await expect(form.getByLabel('Checkpoint', { exact: true })).toHaveValue('v1-5-pruned-emaonly.ckpt');
  await expect(steps).toHaveValue('20');
  await expectAccessible(page, 'workflows page, run form');
  await screenshot(page, 'workflows-run-form');

  // A value out of bounds is refused on its field before anything is sent.
  await steps.fill('500');
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(form.getByText('At most 150')).toBeVisible();

  const prompt = 'a lighthouse from the workflows page';
  await form.getByLabel('Prompt', { exact: true }).fill(prompt);
  await steps.fill('3');
  await form.getByLabel('Width', { exact: true }).fill('64');
  await form.getByLabel('Height', { exact: true }).fill('64');
  await form.getByLabel('Checkpoint', { exact: true }).selectOption('v1-5-pruned-emaonly.ckpt');
  await form.getByLabel('Sampler', { exact: true }).selectOption('dpmpp_2m');
  const request = page.waitForRequest(
    (r) => r.method() === 'POST' && r.url().endsWith('/api/comfy/workflows/basic_txt2img/run'),
  );
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  expect((await request).postDataJSON()).toMatchObject({
    params: {
      prompt,
      steps: 3,
      width: 64,
      height: 64,
      checkpoint: 'v1-5-pruned-emaonly.ckpt',
      sampler: 'dpmpp_2m',
    },
  });
  const card = page
    .getByRole('region', { name: 'Recent runs' })
    .getByTestId('job-card')
    .filter({ hasText: prompt });
  await expect(card).toBeVisible();
  await waitForResult(card);
});

test('a curator sees a broken template with what is wrong, and cannot run it', async ({ page }) => {
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  await page.goto('/workflows');
  const broken = page.locator(`[data-testid="workflow-item"][data-name="${brokenName}"]`);
  await expect(broken.getByTestId('workflow-health')).toHaveText(/Broken/);
  await expect(broken).toContainText('missing node class FancyCustomNode');
  await broken.getByRole('button').first().click();
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
  await expect(page.getByText('cannot run until its problems are fixed')).toBeVisible();
  await expectAccessible(page, 'workflows page, broken template');
});

test('an older version of a template runs as it was', async ({ page }) => {
  await logIn(page, e2ePlainUser.username, e2ePlainUser.password);
  await page.goto(`/workflows?template=${versionedName}`);
  const form = page.getByRole('form', { name: 'Run Two versions' });
  await expect(form.getByLabel('Color', { exact: true })).toHaveValue(String(0x405060));
  const version = page.getByLabel('Version', { exact: true });
  await expect(version.locator('option')).toHaveCount(2);
  const older = await version.locator('option').nth(1).getAttribute('value');
  await version.selectOption(older);
  await expect(form.getByLabel('Color', { exact: true })).toHaveValue(String(0x102030));
  await form.getByLabel('Width', { exact: true }).fill('16');
  await form.getByLabel('Height', { exact: true }).fill('16');
  const request = page.waitForRequest((r) => r.url().endsWith(`/api/comfy/workflows/${versionedName}/run`));
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  expect((await request).postDataJSON()).toMatchObject({
    version: older,
    params: { color: 0x102030, width: 16 },
  });
  const card = page.getByRole('region', { name: 'Recent runs' }).getByTestId('job-card').first();
  await waitForResult(card);
});

test('the page works on a phone in dark mode: no sideways scrolling, nothing inaccessible', async ({
  page,
}) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await logIn(page, e2eGenCurator.username, e2eGenCurator.password);
  await page.goto('/workflows?template=test_pattern');
  await expect(
    page.getByRole('form', { name: 'Run Test pattern' }).getByLabel('Width', { exact: true }),
  ).toBeVisible();
  await expect(page.locator(`[data-testid="workflow-item"][data-name="${brokenName}"]`)).toBeVisible();
  await expectNoHorizontalOverflow(page, 'workflows at 375 px');
  await expectAccessible(page, 'workflows at 375 px, dark');
  await screenshot(page, 'workflows-phone-dark');
});
