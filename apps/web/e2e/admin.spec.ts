import { expect, test } from '@playwright/test';
import { e2eAdmin, e2eCurator } from './credentials.js';
import { logIn, logOut, screenshot } from './helpers.js';

// One story, in order: the admin turns ComfyUI on and creates a curator, who then signs in.
test.describe.configure({ mode: 'serial' });

test('an admin switches the ComfyUI integration on, and it stays on after a reload', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await expect(page.getByTestId('current-role')).toHaveText('admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();

  const toggle = page.getByRole('switch', { name: 'Enable ComfyUI integration' });
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByTestId('source-comfy_enabled')).toContainText('default');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(
    'ComfyUI integration turned on',
  );
  await screenshot(page, 'admin');

  // Space and Enter each toggle exactly once in a real browser (no double toggle via click).
  await toggle.focus();
  await page.keyboard.press('Space');
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await expect(toggle).not.toHaveAttribute('aria-busy');
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(toggle).not.toHaveAttribute('aria-busy');

  await page.reload();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('source-comfy_enabled')).toContainText('admin');
});

test('an admin sees validation errors inline and can reset a setting to its default', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  const timeout = page.getByLabel('Request timeout (s)');
  await timeout.fill('-3');
  await page.getByRole('button', { name: 'Save Request timeout' }).click();
  await expect(timeout).toHaveAttribute('aria-invalid', 'true');

  await timeout.fill('45');
  await timeout.press('Enter');
  await expect(timeout).not.toHaveAttribute('aria-invalid');
  await expect(page.getByTestId('source-comfy_timeout')).toContainText('admin');

  // The change is the newest entry of the audit log, with who made it; the refused value is not there.
  const audit = page.getByRole('region', { name: 'Audit log', exact: true });
  const newest = audit.getByRole('row').nth(1);
  await expect(newest).toContainText('Settings changed');
  await expect(newest).toContainText('Request timeout: 30 → 45');
  await expect(newest.getByRole('rowheader')).toHaveText(e2eAdmin.username);
  await expect(audit).not.toContainText('→ -3');
  // The filter narrows it to one kind of action (earlier specs may have reset passwords: the
  // settings change must be gone, whatever else is listed).
  await audit.getByLabel('Show').selectOption('user.password_reset');
  await expect(audit.getByRole('row').filter({ hasText: 'Request timeout' })).toHaveCount(0);
  await audit.getByLabel('Show').selectOption('settings.changed');
  await expect(audit.getByRole('row').nth(1)).toContainText('Request timeout: 30 → 45');
  await audit.getByLabel('Show').selectOption('');

  await page.getByRole('button', { name: 'Reset Request timeout to default' }).click();
  await expect(page.getByTestId('source-comfy_timeout')).not.toContainText('admin');
  await expect(timeout).not.toHaveValue('45');
});

test('an admin creates a curator', async ({ page }) => {
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  const form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Username').fill(e2eCurator.username);
  await form.getByLabel('Password').fill(e2eCurator.password);
  await form.getByLabel('Role').selectOption('curator');
  await form.getByRole('button', { name: 'Create user' }).click();

  const row = page.getByTestId(`user-row-${e2eCurator.username}`);
  await expect(row).toBeVisible();
  await expect(row.getByLabel(`Role for ${e2eCurator.username}`)).toHaveValue('curator');
  await expect(row).toContainText('Active');
  await expect(form.getByLabel('Username')).toHaveValue('');
  const newest = page.getByRole('region', { name: 'Audit log', exact: true }).getByRole('row').nth(1);
  await expect(newest).toContainText('User created');
  await expect(newest).toContainText(`user ${e2eCurator.username}`);

  // The same name again is refused, and the reason is shown as a toast.
  await form.getByLabel('Username').fill(e2eCurator.username);
  await form.getByLabel('Password').fill(e2eCurator.password);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(
    'Could not create the user',
  );
  await screenshot(page, 'admin-users');
  await logOut(page);
});

test('the curator signs in, sees no Admin link and cannot open the admin page', async ({ page }) => {
  await logIn(page, e2eCurator.username, e2eCurator.password);
  await expect(page.getByTestId('current-role')).toHaveText('curator');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Generate' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Gallery' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await screenshot(page, 'generate');

  await page.goto('/admin');
  await expect(page.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Administration' })).toHaveCount(0);
  await screenshot(page, 'forbidden');

  await nav.getByRole('link', { name: 'Gallery' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Your gallery is empty' })).toBeVisible();
  await screenshot(page, 'gallery');
});
