import { expect, test } from '@playwright/test';
import { e2eGenCurator, e2ePlainUser } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';
import { waitForResult } from './support/generate-page.js';

// The Workflows page: the shipped library with each template's health, a run form generated from the chosen
// template's contract (bounds, choices read from object_info), a run and its result; a template the simulator
// cannot run (it needs a node class the simulator lacks) is hidden from a plain user and explained to a curator.
test.describe.configure({ mode: 'serial' });

const brokenName = 'e2e_needs_fancy_node';

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
