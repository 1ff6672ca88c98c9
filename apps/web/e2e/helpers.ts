import { expect, type Page } from '@playwright/test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), '../test-results/screenshots');

/** Signs in through the login form and waits for the first page of the app. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Full-page screenshot for people to look at: test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  // From the top, so sticky and fixed parts sit where a visitor sees them; finishing
  // transitions makes the picture show the resting state, not a toast mid-slide.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
}
