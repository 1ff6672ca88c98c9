import { expect, request, test } from '@playwright/test';
import { logIn, screenshot } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureUser } from './support/api-setup.js';

/** A user of this spec only: creates, uses and revokes a key. */
const keyUser = { username: 'kai.keys', password: 'kai-Passw0rd-1', role: 'user' } as const;

test.beforeAll(async ({ baseURL }) => {
  await ensureUser(baseURL ?? '', keyUser);
});

test('Account → API keys: create, the secret shown once, use it, revoke it', async ({ page, baseURL }) => {
  await logIn(page, keyUser.username, keyUser.password);
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);

  const form = page.getByRole('form', { name: 'Create an API key' });
  await form.getByLabel('Name').fill('e2e script');
  // A plain user is not offered the admin scope.
  await expect(form.getByRole('checkbox', { name: 'admin' })).toHaveCount(0);
  await form.getByRole('checkbox', { name: 'jobs:write' }).check();
  await form.getByRole('button', { name: 'Create key' }).click();

  const secret = page.getByTestId('api-key-secret');
  await expect(secret).toHaveText(/^atl_[A-Za-z0-9_-]{43}$/);
  const key = (await secret.textContent()) ?? '';
  const item = page.getByTestId('api-key');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(key.slice(0, 12));
  await expect(item).toContainText('Never used');
  await expectAccessible(page, 'account-api-keys');
  await screenshot(page, 'account-api-keys');

  // The key works from a script (no cookies), as whoever owns it.
  const script = await request.newContext({ baseURL });
  const me = await script.get('/api/auth/me', { headers: { 'X-Api-Key': key } });
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { username: string }).username).toBe(keyUser.username);

  // Shown once: gone after Done, and never again after a reload; the list shows its last use.
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);
  await page.reload();
  await expect(item).toContainText('Last used');
  await expect(page.getByTestId('api-key-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(key.slice(12));

  await item.getByRole('button', { name: /Revoke/ }).click();
  await expect(item).toHaveCount(0);
  expect((await script.get('/api/auth/me', { headers: { 'X-Api-Key': key } })).status()).toBe(401);
  await script.dispose();
});
