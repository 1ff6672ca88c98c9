import { expect, test } from '@playwright/test';
import { e2eAdmin } from './credentials.js';
import { logIn, screenshot } from './helpers.js';

test('dark mode follows the system until chosen, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.goto('/admin');
  await expect(page.getByRole('switch', { name: 'Enable ComfyUI integration' })).toBeVisible();
  await screenshot(page, 'admin-dark');

  const toggle = page.getByRole('button', { name: 'Dark mode' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.getByRole('button', { name: 'Dark mode' })).toHaveAttribute('aria-pressed', 'false');
});

test('on a narrow screen the navigation sits behind a menu button', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await screenshot(page, 'mobile-generate');

  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav).toBeVisible();
  await screenshot(page, 'mobile-menu');
  await page.keyboard.press('Escape');
  await expect(nav).toBeHidden();

  await menu.click();
  await nav.getByRole('link', { name: 'Admin' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(nav).toBeHidden();
  await screenshot(page, 'mobile-admin');
});
