import { expect, request, type APIRequestContext } from '@playwright/test';
import { e2eAdmin } from '../credentials.js';

/**
 * Test setup through the real API (not the UI): sign in as someone, switch ComfyUI on, create users.
 * Cookie-authenticated writes must carry our Origin, as a browser's would.
 */
export async function signedInContext(
  baseURL: string,
  username: string,
  password: string,
): Promise<APIRequestContext> {
  const context = await request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const login = await context.post('/api/auth/login', { data: { username, password } });
  expect(login.ok(), `login as ${username}`).toBe(true);
  return context;
}

/** ComfyUI on, and the watchdog seeing it up. */
export async function ensureComfyEnabled(baseURL: string): Promise<void> {
  const admin = await signedInContext(baseURL, e2eAdmin.username, e2eAdmin.password);
  const patch = await admin.patch('/api/admin/config', { data: { comfy_enabled: true } });
  expect(patch.ok()).toBe(true);
  await expect
    .poll(async () => {
      const health = (await (await admin.get('/api/comfy/health')).json()) as {
        info?: { comfy: { state: string } };
      };
      return health.info?.comfy.state;
    })
    .toBe('up');
  await admin.dispose();
}

/** Creates the user unless it exists already (a rerun of one spec). */
export async function ensureUser(
  baseURL: string,
  user: { username: string; password: string; role: 'user' | 'curator' | 'admin' },
): Promise<void> {
  const admin = await signedInContext(baseURL, e2eAdmin.username, e2eAdmin.password);
  const created = await admin.post('/api/admin/users', { data: user });
  expect([201, 409]).toContain(created.status());
  await admin.dispose();
}
