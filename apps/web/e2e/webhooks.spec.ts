import { expect, test, type Locator, type Page } from '@playwright/test';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { logIn } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureUser, signedInContext } from './support/api-setup.js';
import { e2eAdmin } from './credentials.js';

/** A user of this spec only: their endpoints get the test deliveries and nothing else. */
const hookUser = { username: 'wendy.webhooks', password: 'wendy-Passw0rd-1', role: 'user' } as const;

/**
 * The receiver: a real HTTP server on the one loopback port the API may call (playwright.config allows
 * 127.0.0.1:ATELIER_E2E_WEBHOOK_PORT). /ok answers 200, /fail answers 500; every request is kept.
 */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
const receiverPort = Number(process.env.ATELIER_E2E_WEBHOOK_PORT);
let receiver: Server;

test.beforeAll(async ({ baseURL }) => {
  await ensureUser(baseURL ?? '', hookUser);
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(request.url === '/fail' ? 500 : 200, { 'content-type': 'text/plain' });
      response.end(request.url === '/fail' ? 'receiver says no' : 'thanks');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
});

test.afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

function headerValues(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string') out[name] = value;
  return out;
}

async function openWebhooks(page: Page): Promise<void> {
  await logIn(page, hookUser.username, hookUser.password);
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
}

/** Adds an endpoint for job.succeeded only; answers its signing secret, read from the reveal-once banner. */
async function addEndpoint(page: Page, url: string): Promise<string> {
  const form = page.getByRole('form', { name: 'Add a webhook' });
  await form.getByLabel('URL').fill(url);
  await form.getByRole('checkbox', { name: 'job.failed' }).uncheck();
  await expect(form.getByRole('checkbox', { name: 'job.succeeded' })).toBeChecked();
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.getByTestId('webhook-secret');
  await expect(secret).toHaveText(/^whsec_\S+$/);
  return (await secret.textContent()) ?? '';
}

/** Refreshes the endpoint's open delivery log until `check` passes (the worker sends in the background). */
async function untilLog(item: Locator, check: (log: Locator) => Promise<void>): Promise<void> {
  const log = item.getByRole('list', { name: 'Deliveries' });
  await expect(async () => {
    await item.getByRole('button', { name: 'Refresh deliveries' }).click();
    await check(log);
  }).toPass({ timeout: 15_000 });
}

test('Account → Webhooks: add, the secret shown once, a signed test delivered, edit the events, delete', async ({
  page,
}) => {
  await openWebhooks(page);
  const url = `http://127.0.0.1:${receiverPort}/ok`;
  const secret = await addEndpoint(page, url);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByTestId('webhook-secret')).toHaveCount(0);

  const item = page.getByTestId('account-webhook').filter({ hasText: url });
  await expect(item).toContainText('job.succeeded');
  await expect(item).not.toContainText('job.failed');
  const before = received.length;
  await item.getByRole('button', { name: `Send test to ${url}` }).click();

  // The receiver gets one request, signed with the secret shown once (Standard Webhooks).
  await expect.poll(() => received.filter((r) => r.path === '/ok').length).toBeGreaterThan(before);
  const request = received.filter((r) => r.path === '/ok').at(-1)!;
  const headers = headerValues(request.headers);
  await item.getByRole('button', { name: `Deliveries of ${url}` }).click();
  expect(new Webhook(secret).verify(request.body, headers)).toBeTruthy();
  expect(() => new Webhook(secret).verify(`${request.body} `, headers)).toThrow();

  await untilLog(item, async (log) => {
    await expect(log.getByRole('listitem')).toHaveCount(1);
    await expect(log.getByRole('listitem')).toContainText('delivered');
    await expect(log.getByRole('listitem')).toContainText(/HTTP 200 in \d+ ms/);
    await expect(log.getByRole('listitem')).toContainText('1 attempt');
  });
  await expectAccessible(page, 'account-webhooks');

  // Edit: a port the API may not call is refused by the URL field; then the events change.
  await item.getByRole('button', { name: `Edit ${url}` }).click();
  const edit = page.getByRole('form', { name: `Edit the webhook ${url}` });
  await edit.getByLabel('URL').fill('http://127.0.0.1:1/ok');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit.getByLabel('URL')).toHaveAttribute('aria-invalid', 'true');
  await expect(edit).toContainText('not allowed');
  await edit.getByLabel('URL').fill(url);
  await edit.getByRole('checkbox', { name: 'image.approved' }).check();
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toHaveCount(0);
  await expect(item).toContainText('job.succeeded, image.approved');
  await page.reload();
  await expect(page.getByTestId('account-webhook').filter({ hasText: url })).toContainText(
    'job.succeeded, image.approved',
  );

  await page
    .getByTestId('account-webhook')
    .filter({ hasText: url })
    .getByRole('button', { name: `Delete ${url}` })
    .click();
  await expect(page.getByTestId('account-webhook')).toHaveCount(0);
});

test('Account → Webhooks: a receiver answering 500 shows a failed attempt, and Redeliver makes a new one', async ({
  page,
}) => {
  await openWebhooks(page);
  const url = `http://127.0.0.1:${receiverPort}/fail`;
  await addEndpoint(page, url);
  await page.getByRole('button', { name: 'Done' }).click();
  const item = page.getByTestId('account-webhook').filter({ hasText: url });
  await item.getByRole('button', { name: `Send test to ${url}` }).click();
  await item.getByRole('button', { name: `Deliveries of ${url}` }).click();

  await untilLog(item, async (log) => {
    await expect(log.getByRole('listitem')).toHaveCount(1);
    await expect(log.getByRole('listitem')).toContainText('HTTP 500');
    await expect(log.getByRole('listitem')).toContainText('receiver says no');
  });
  const log = item.getByRole('list', { name: 'Deliveries' });
  await log.getByRole('button', { name: /Redeliver/ }).click();
  await untilLog(item, async (entries) => {
    await expect(entries.getByRole('listitem')).toHaveCount(2);
    await expect(entries.getByRole('listitem').nth(0)).toContainText('HTTP 500');
    await expect(entries.getByRole('listitem').nth(1)).toContainText('HTTP 500');
  });
  const ids = new Set(received.filter((r) => r.path === '/fail').map((r) => r.headers['webhook-id']));
  expect(ids.size).toBe(2);

  await item.getByRole('button', { name: `Delete ${url}` }).click();
  await expect(page.getByTestId('account-webhook')).toHaveCount(0);
});

test('Account → Webhooks: an admin’s All users switch lists another user’s endpoint with its owner', async ({
  page,
  baseURL,
}) => {
  const url = `http://127.0.0.1:${receiverPort}/ok?of=wendy`;
  const wendy = await signedInContext(baseURL ?? '', hookUser.username, hookUser.password);
  const made = await wendy.post('/api/me/webhooks', { data: { url, events: ['job.succeeded'] } });
  expect(made.status()).toBe(201);
  const { id } = (await made.json()) as { id: number };

  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.getByRole('link', { name: 'Account' }).click();
  const mine = page.getByRole('list', { name: 'Your webhooks' });
  await expect(page.getByTestId('account-webhook').filter({ hasText: url })).toHaveCount(0);
  const allUsers = page.getByRole('switch', { name: 'All users’ webhooks' });
  await allUsers.click();
  await expect(allUsers).toHaveAttribute('aria-checked', 'true');
  const theirs = page.getByRole('list', { name: 'Every user’s webhooks' });
  await expect(mine).toHaveCount(0);
  const item = theirs.getByTestId('account-webhook').filter({ hasText: url });
  await expect(item.getByTestId('webhook-owner')).toHaveText(`Owner: ${hookUser.username}`);

  expect((await wendy.delete(`/api/me/webhooks/${id}`)).status()).toBe(204);
  await wendy.dispose();
});
