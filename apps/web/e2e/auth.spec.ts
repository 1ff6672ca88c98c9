import { expect, test } from '@playwright/test';
import { e2eAdmin } from './credentials.js';
import { logIn, logOut, screenshot } from './helpers.js';

test('bad credentials show an error and keep you on the login page', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await screenshot(page, 'login');
  await page.getByLabel('Username').fill(e2eAdmin.username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page.getByRole('alert')).toContainText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('Password')).toHaveValue('');
  await screenshot(page, 'login-error');
});

test('keyboard-only sign-in works and lands on Generate', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type(e2eAdmin.username);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(e2eAdmin.password);
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(/\/generate$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Generate' })).toBeVisible();

  // The first Tab reaches the skip link, which moves focus to the main content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();

  // Navigation links are reachable and usable from the keyboard.
  await page.getByRole('link', { name: 'Gallery' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Gallery' })).toBeVisible();
});

test('a signed-out visitor is sent to sign in, then back to the page they wanted', async ({ page }) => {
  await page.goto('/gallery');
  await expect(page).toHaveURL(/\/login\?redirect=(%2F|\/)gallery$/);
  await page.getByLabel('Username').fill(e2eAdmin.username);
  await page.getByLabel('Password').fill(e2eAdmin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/gallery$/);

  await logOut(page);
  // The session is gone on the server too: protected pages send us back to sign in.
  await page.goto('/generate');
  await expect(page).toHaveURL(/\/login\?redirect=(%2F|\/)generate$/);
});

test('unknown addresses show the 404 page', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await screenshot(page, 'not-found');
});
