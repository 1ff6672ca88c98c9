import { expect, test, type Page } from '@playwright/test';
import { logIn, logOut, screenshot } from './helpers.js';
import { e2eAdmin } from './credentials.js';
import { ensureComfyEnabled, ensureUser, signedInContext } from './support/api-setup.js';

// A user holds their queue, queues several jobs, puts one first (keyboard and button), cancels one,
// and lets the queue run: the jobs run in the order the page showed.
const queuer = { username: 'quinn.queue', password: 'quinn-Passw0rd', role: 'user' } as const;
const captions = ['queue e2e one', 'queue e2e two', 'queue e2e three', 'queue e2e four'];

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, queuer);
});

const waitingCaptions = (page: Page) => page.getByTestId('waiting-job').locator('.queue-text__caption');

test('queue several jobs, move one to the top, pause and resume, cancel a waiting one', async ({
  page,
  baseURL,
}) => {
  await logIn(page, queuer.username, queuer.password);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Queue' })).toBeVisible();
  await page.getByRole('button', { name: 'Pause my queue' }).click();
  await expect(page.getByText('Your queue is paused')).toBeVisible();

  // Queued through the API while paused: every one waits in Atelier, none reaches ComfyUI.
  const api = await signedInContext(baseURL!, queuer.username, queuer.password);
  for (const caption of captions) {
    const queued = await api.post('/api/comfy/txt2img', {
      data: { caption, width: 64, height: 64, steps: 2 },
    });
    expect(queued.ok(), `txt2img ${caption}: ${await queued.text()}`).toBe(true);
  }
  await page.reload();
  await expect(waitingCaptions(page)).toHaveText(captions);
  await screenshot(page, 'queue-waiting');

  // The keyboard: the handle of "three" takes ↑; the focus stays on it.
  const three = page.getByRole('button', { name: /^queue e2e three: position 3 of 4/ });
  await three.focus();
  await page.keyboard.press('ArrowUp');
  await expect(waitingCaptions(page)).toHaveText([captions[0]!, captions[2]!, captions[1]!, captions[3]!]);
  await expect(page.getByRole('button', { name: /^queue e2e three: position 2 of 4/ })).toBeFocused();
  // A button: "four" to the top.
  await page.getByRole('button', { name: 'To top: queue e2e four' }).click();
  const reordered = [captions[3]!, captions[0]!, captions[2]!, captions[1]!];
  await expect(waitingCaptions(page)).toHaveText(reordered);
  // The server kept that order.
  await page.reload();
  await expect(waitingCaptions(page)).toHaveText(reordered);

  // Cancelling a waiting job ends it at once; it can be retried from the list of ended jobs.
  await page.getByRole('button', { name: 'Cancel: queue e2e one' }).click();
  await expect(waitingCaptions(page)).toHaveText([captions[3]!, captions[2]!, captions[1]!]);
  await expect(page.getByTestId('queue-job').filter({ hasText: captions[0]! })).toContainText('Cancelled');

  await page.getByRole('button', { name: 'Resume my queue' }).click();
  await expect(page.getByText('Your queue is paused')).toHaveCount(0);
  await expect(page.getByTestId('waiting-job')).toHaveCount(0, { timeout: 30_000 });

  // They ran in the order shown: four, three, two.
  const startedAt = async () => {
    const list = (await (await api.get('/api/comfy/jobs?mine=1')).json()) as {
      items: { params: { caption?: string } | null; status: string; started_at: string | null }[];
    };
    return captions.map((caption) => list.items.find((j) => j.params?.caption === caption));
  };
  await expect
    .poll(async () => (await startedAt()).slice(1).map((j) => j?.status), { timeout: 30_000 })
    .toEqual(['succeeded', 'succeeded', 'succeeded']);
  const [one, two, three2, four] = await startedAt();
  expect(one?.status).toBe('interrupted');
  expect(Date.parse(four!.started_at!)).toBeLessThanOrEqual(Date.parse(three2!.started_at!));
  expect(Date.parse(three2!.started_at!)).toBeLessThanOrEqual(Date.parse(two!.started_at!));
  await api.dispose();
});

test('an admin caps waiting jobs per role: the refusal names the cap; usage shows who used the GPU', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(60_000);
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin');
  await expect(page.getByTestId('backend-row-default')).toContainText('Up');
  const userLimits = page.getByRole('form', { name: 'Limits for users' });
  await userLimits.getByLabel('Waiting jobs').fill('2');
  await userLimits.getByRole('button', { name: 'Save user limits' }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText('Limits for users saved');
  await screenshot(page, 'admin-backends-limits');

  // The user's queue held, so the jobs wait: the third is refused with the cap in words.
  const api = await signedInContext(baseURL!, queuer.username, queuer.password);
  expect((await api.post('/api/comfy/queue/pause')).ok()).toBe(true);
  for (const caption of ['capped one', 'capped two'])
    expect(
      (await api.post('/api/comfy/txt2img', { data: { caption, width: 64, height: 64, steps: 2 } })).ok(),
    ).toBe(true);
  const refused = await api.post('/api/comfy/txt2img', {
    data: { caption: 'capped three', width: 64, height: 64, steps: 2 },
  });
  expect(refused.status()).toBe(429);
  await logOut(page);
  await logIn(page, queuer.username, queuer.password);
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill('capped four');
  await page.getByRole('button', { name: 'Small' }).click();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText(
    'Your queue is full (2 waiting jobs max for your role)',
  );
  await expect(page.getByTestId('job-card').filter({ hasText: 'capped two' })).toContainText(
    'Waiting for a GPU',
  );

  // Clean up for the specs after this one: no cap, nothing waiting.
  const admin = await signedInContext(baseURL!, e2eAdmin.username, e2eAdmin.password);
  expect((await admin.put('/api/admin/limits/user', { data: { max_waiting: null } })).ok()).toBe(true);
  const waiting = (await (await api.get('/api/comfy/jobs?status=waiting&mine=1')).json()) as {
    items: { prompt_id: string }[];
  };
  for (const job of waiting.items)
    expect((await api.post(`/api/comfy/cancel/${job.prompt_id}`)).ok()).toBe(true);
  expect((await api.post('/api/comfy/queue/resume')).ok()).toBe(true);

  // The first test's three jobs ran: the usage page charts them for the user and lists the figures.
  await logOut(page);
  await logIn(page, e2eAdmin.username, e2eAdmin.password);
  await page.goto('/admin/usage');
  await expect(page.getByRole('img', { name: /GPU-seconds per user per day/ })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(`^${queuer.username} 3 `) })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', /format=csv/);
  await screenshot(page, 'admin-usage');
  await api.dispose();
  await admin.dispose();
});
