import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eImportCurator } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { expectAccessible } from './support/axe.js';

// One story, in order: a curator drops a ComfyUI workflow on the Workflows page, runs it once, saves it as a
// template with two knobs, runs the template from its generated form, and downloads a workflow.
test.describe.configure({ mode: 'serial' });

const recording = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
);
const golden = JSON.parse(readFileSync(recording, 'utf8')) as { workflow: { nodes: unknown[] } };
// Unique per run: the e2e data directory is fresh, but a rerun of this spec alone reuses it.
const templateName = `imported_default_${Date.now().toString(36)}`;

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eImportCurator);
});

test('a dropped UI workflow is previewed node by node and runs once', async ({ page }) => {
  await logIn(page, e2eImportCurator.username, e2eImportCurator.password);
  await page.goto('/workflows');
  await page.getByTestId('import-file').setInputFiles({
    name: '01_default_workflow.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(golden.workflow)),
  });
  const preview = page.getByTestId('import-preview');
  await expect(preview).toContainText('a UI workflow from a JSON file, 7 nodes');
  await expect(preview.getByTestId('import-node')).toHaveCount(golden.workflow.nodes.length);
  await expect(preview.getByTestId('import-node').filter({ hasText: 'KSampler' })).toContainText(
    'steps = 20',
  );
  await screenshot(page, 'import-workflow-preview');
  await expectAccessible(page, 'import preview');

  await preview.getByRole('button', { name: 'Run once' }).click();
  const card = preview.getByTestId('job-card');
  await expect(card.getByTestId('job-status')).toHaveText('Done', { timeout: 25_000 });
  await expect(card.getByTestId('result-image').first()).toBeVisible();

  // The job's workflow downloads as the UI workflow it was queued as.
  const downloading = page.waitForEvent('download');
  await card.getByTestId('export-ui').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.workflow\.json$/);
  const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as { nodes: unknown[] };
  expect(saved.nodes).toHaveLength(golden.workflow.nodes.length);

  // On a phone in dark mode: nothing wider than the screen (the node table scrolls in its box), still accessible.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(preview.getByRole('button', { name: 'Run once' })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expectAccessible(page, 'import preview · dark · 375px');
});

test('saved as a template with steps (1–50) and the seed, it is listed healthy and runs from its form', async ({
  page,
}) => {
  await logIn(page, e2eImportCurator.username, e2eImportCurator.password);
  await page.goto('/workflows');
  await page.getByTestId('import-file').setInputFiles({
    name: 'default.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(golden.workflow)),
  });
  const preview = page.getByTestId('import-preview');
  await preview.getByRole('button', { name: 'Save as template' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save as template' });
  await dialog.getByLabel('Name', { exact: true }).fill(templateName);
  await dialog.getByLabel('Title', { exact: true }).fill('Imported default');
  await dialog.getByRole('checkbox', { name: /Expose steps \(node 3 / }).check();
  // Prefilled from object_info (KSampler.steps: 1–10000), narrowed here.
  await expect(dialog.getByLabel('Minimum of 3.steps')).toHaveValue('1');
  await expect(dialog.getByLabel('Maximum of 3.steps')).toHaveValue('10000');
  await dialog.getByLabel('Maximum of 3.steps').fill('50');
  await dialog.getByRole('checkbox', { name: /Expose seed \(node 3 / }).check();
  await screenshot(page, 'import-workflow-save');
  await expectAccessible(page, 'save as template dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(preview.getByRole('status')).toContainText(`Saved as “Imported default” (${templateName}`);

  const item = page.locator(`[data-testid="workflow-item"][data-name="${templateName}"]`);
  await expect(item.getByTestId('workflow-health')).toContainText('OK');
  await item.getByRole('button', { name: /Imported default/ }).click();
  const form = page.getByRole('form', { name: 'Run Imported default' });
  const steps = form.locator('[data-param="steps"]');
  await expect(steps).toHaveAttribute('min', '1');
  await expect(steps).toHaveAttribute('max', '50');
  await expect(steps).toHaveValue('20');
  await steps.fill('4');
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  const run = page.getByRole('region', { name: 'Recent runs' }).getByTestId('job-card').first();
  await expect(run.getByTestId('job-status')).toHaveText('Done', { timeout: 25_000 });
});
