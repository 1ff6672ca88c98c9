import { expect, test, type Browser, type Page } from '@playwright/test';
import { e2eAccountUser, e2eAdmin, e2eResetUser } from './credentials.js';
import { logIn, screenshot } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureUser } from './support/api-setup.js';

// One story per user, in order: sessions, then a password change; an admin's reset of another user.
test.describe.configure({ mode: 'serial' });

const newPassword = 'ada-brand-new-Passphrase';

/** A second browser (its own cookies) signed in as the same user: another device. */
async function otherDevice(browser: Browser, username: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await logIn(page, username, password);
  return page;
}

async function tryLogIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await page.getByLabel('Current password').fill(current);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Confirm new password').fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
}

test.beforeAll(async ({ baseURL }) => {
  await ensureUser(baseURL ?? '', e2eAccountUser);
  await ensureUser(baseURL ?? '', e2eResetUser);
});

test('the Account page lists both devices and ends the other one', async ({ page, browser }) => {
  await logIn(page, e2eAccountUser.username, e2eAccountUser.password);
  const phone = await otherDevice(browser, e2eAccountUser.username, e2eAccountUser.password);

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const sessions = page.getByTestId('account-session');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: 'This device' })).toHaveCount(1);
  await expect(sessions.first()).toContainText('127.0.0.1');
  await expect(page.getByRole('switch', { name: 'Browser notifications' })).toBeVisible();
  await expectAccessible(page, 'account');
  await screenshot(page, 'account');

  await sessions
    .filter({ hasNotText: 'This device' })
    .getByRole('button', { name: /End session/ })
    .click();
  await expect(sessions).toHaveCount(1);
  await expect(sessions).toContainText('This device');

  // The theme field switches this browser to dark, and the page fits a phone.
  await page.getByRole('radio', { name: /Dark/ }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.setViewportSize({ width: 375, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expectAccessible(page, 'account · dark · 375px');
  await screenshot(page, 'account-dark-phone');
  await page.getByRole('radio', { name: /Auto/ }).check();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', 'dark');
  await page.setViewportSize({ width: 1280, height: 800 });

  // The other device's next page load finds its session gone.
  await phone.goto('/gallery');
  await expect(phone).toHaveURL(/\/login/);
  await phone.context().close();
});

test('a password change signs the other device out; only the new password signs in', async ({
  page,
  browser,
}) => {
  await logIn(page, e2eAccountUser.username, e2eAccountUser.password);
  const phone = await otherDevice(browser, e2eAccountUser.username, e2eAccountUser.password);
  await page.goto('/account');

  // A wrong current password is said on its field, and nothing changes.
  await changePassword(page, 'not-my-password-at-all', newPassword);
  await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('That is not your current password.')).toBeVisible();

  await changePassword(page, e2eAccountUser.password, newPassword);
  await expect(page.getByText('Password changed')).toBeVisible();
  await expect(page.getByTestId('account-session')).toHaveCount(1);

  await phone.goto('/gallery');
  await expect(phone).toHaveURL(/\/login/);
  await tryLogIn(phone, e2eAccountUser.username, e2eAccountUser.password);
  await expect(phone.getByText('Wrong username or password.')).toBeVisible();
  await expect(phone).toHaveURL(/\/login/);
  await logIn(phone, e2eAccountUser.username, newPassword);
  await phone.context().close();

  // This device stayed signed in through the change.
  await page.goto('/gallery');
  await expect(page.getByRole('heading', { level: 1, name: 'Gallery' })).toBeVisible();
});

test('an admin resets a password; the user must pick a new one, then lands on Generate', async ({
  page,
  browser,
}) => {
  const temporary = 'temporary-Passw0rd-9';
  const chosen = 'rita-own-new-Passphrase';
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  const row = page.getByTestId(`user-row-${e2eResetUser.username}`);
  await row.getByRole('button', { name: `Reset password of ${e2eResetUser.username}` }).click();
  const dialog = page.getByRole('dialog', { name: `Reset the password of ${e2eResetUser.username}` });
  await expect(dialog.getByLabel('Temporary password', { exact: true })).toBeFocused();
  await dialog.getByLabel('Temporary password', { exact: true }).fill(temporary);
  await dialog.getByLabel('Confirm temporary password').fill(`${temporary}x`);
  await dialog.getByRole('button', { name: 'Reset password' }).click();
  await expect(dialog.getByText('The two passwords differ.')).toBeVisible();
  await dialog.getByLabel('Confirm temporary password').fill(temporary);
  // The whole page, not the dialog alone: behind it the admin page is dimmed and inert (AppDialog sets
  // `inert` on #app while it is open), so neither Tab nor a screen reader's browse mode reaches it.
  await expectAccessible(page, 'admin · reset password dialog');
  await dialog.getByRole('button', { name: 'Reset password' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Password of “${e2eResetUser.username}” reset`)).toBeVisible();

  const user = await (await browser.newContext()).newPage();
  await logIn(user, e2eResetUser.username, temporary);
  await expect(user).toHaveURL(/\/account\?required=1$/);
  await expect(user.getByText('Choose a new password to continue')).toBeVisible();
  // Every other page leads back here until the password is changed.
  await user.goto('/gallery');
  await expect(user).toHaveURL(/\/account\?required=1$/);
  await screenshot(user, 'account-required');

  await changePassword(user, temporary, chosen);
  await expect(user).toHaveURL(/\/generate$/);
  await expect(user.getByRole('heading', { level: 1, name: 'Generate' })).toBeVisible();
  await user.goto('/gallery');
  await expect(user).toHaveURL(/\/gallery/);
  await user.context().close();
});
