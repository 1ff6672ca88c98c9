import { test } from '@playwright/test';
import { expectAccessible } from './support/axe.js';

test('login', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').waitFor();
  await expectAccessible(page, 'login');
});
