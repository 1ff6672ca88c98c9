import { expect, type Locator, type Page } from '@playwright/test';

/** The Generate page as the tests drive it. */
export async function startJob(page: Page, prompt: string, steps: number, images = 1): Promise<Locator> {
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByRole('button', { name: 'Small' }).click();
  await page.getByLabel('Steps', { exact: true }).fill(String(steps));
  await page.getByLabel('Images', { exact: true }).fill(String(images));
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const card = page.getByTestId('job-card').filter({ hasText: prompt }).first();
  await expect(card).toBeVisible();
  return card;
}

/** The step the job's progress bar shows (0 before sampling starts). */
export async function stepOf(card: Locator): Promise<number> {
  const value = await card.getByRole('progressbar').getAttribute('aria-valuenow', { timeout: 1000 });
  return Number(value ?? 0);
}

export async function waitForStep(card: Locator, atLeast: number): Promise<number> {
  await expect.poll(() => stepOf(card).catch(() => -1), { timeout: 20_000 }).toBeGreaterThanOrEqual(atLeast);
  return stepOf(card);
}

/** Waits for "Done" and for the first result to have really loaded (not a broken image). */
export async function waitForResult(card: Locator): Promise<Locator> {
  await expect(card.getByTestId('job-status')).toHaveText('Done', { timeout: 30_000 });
  const image = card.getByRole('img', { name: 'Result 1' });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  return image;
}
