import { expect, test } from '@playwright/test';
import { logIn } from './helpers.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { startJob } from './support/generate-page.js';

// A job that ends while the tab is hidden: the title counts it, and (opted in) a system notification
// says so. The browser grants notifications; the page's visibility is driven by the test.
const noticed = { username: 'nico.notices', password: 'nico-Passw0rd', role: 'user' } as const;

declare global {
  interface Window {
    __notices: { title: string; body?: string }[];
    __setHidden: (hidden: boolean) => void;
  }
}

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, noticed);
});

test('a job that ends in a hidden tab counts in the title and, opted in, raises a notification', async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(['notifications'], { origin: baseURL });
  await page.addInitScript(() => {
    // Records what the app shows, and still shows it.
    const Real = window.Notification;
    window.__notices = [];
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        window.__notices.push({ title, body: options?.body });
        super(title, options);
      }
    }
    Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
    Object.defineProperty(Recording, 'requestPermission', { value: Real.requestPermission.bind(Real) });
    window.Notification = Recording;
    // Headless Chromium's tab is always visible: the test says when it is hidden.
    let hidden = false;
    Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { get: () => hidden });
    window.__setHidden = (value: boolean) => {
      hidden = value;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
  await logIn(page, noticed.username, noticed.password);

  await page.goto('/account');
  const toggle = page.getByRole('switch', { name: 'Browser notifications' });
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'true');

  await startJob(page, 'a lantern left on, notices e2e', 8);
  await page.evaluate(() => window.__setHidden(true));
  await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('(1) Generate · Atelier');
  expect(await page.evaluate(() => window.__notices)).toEqual([{ title: 'Your image is ready' }]);

  // Seen: the count goes.
  await page.evaluate(() => window.__setHidden(false));
  await expect.poll(() => page.title()).toBe('Generate · Atelier');

  // Opted out, a hidden tab still counts, but nothing pops up.
  await page.goto('/account');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-checked', 'false');
  await startJob(page, 'a second lantern, notices e2e', 8);
  await page.evaluate(() => window.__setHidden(true));
  await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('(1) Generate · Atelier');
  expect(await page.evaluate(() => window.__notices)).toEqual([]);
});
