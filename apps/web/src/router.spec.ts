import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter, safeRedirect } from './router';
import { useSessionStore } from './stores/session';
import { createFakeApi, type FakeApi } from './test/fake-api';

let api: FakeApi;

beforeEach(() => {
  api = createFakeApi();
  vi.stubGlobal('fetch', api.fetch);
  setActivePinia(createPinia());
});

async function visit(path: string) {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  return router.currentRoute.value;
}

describe('router guards', () => {
  it('sends a signed-out visitor to the login page, remembering where they were going', async () => {
    expect((await visit('/gallery')).fullPath).toBe('/login?redirect=/gallery');
  });

  it('lets a user in and lands / on Generate', async () => {
    api.signedIn = { id: 2, username: 'u', role: 'user' };
    expect((await visit('/')).name).toBe('generate');
  });

  it('shows the forbidden page when the role is too low', async () => {
    api.signedIn = { id: 3, username: 'cura', role: 'curator' };
    const route = await visit('/admin');
    expect(route.name).toBe('forbidden');
    expect(route.query.from).toBe('/admin');
  });

  it('opens admin pages for admins', async () => {
    api.signedIn = { id: 1, username: 'admin', role: 'admin' };
    expect((await visit('/admin')).name).toBe('admin');
  });

  it('moves a signed-in user away from the login page', async () => {
    api.signedIn = { id: 1, username: 'admin', role: 'admin' };
    expect((await visit('/login?redirect=/admin')).fullPath).toBe('/admin');
  });

  it('sends a user who must change their password to Account, whatever they open, until they do', async () => {
    api.signedIn = { id: 1, username: 'admin', role: 'admin' };
    api.users[0]!.must_change_password = true;
    const router = createAppRouter(createMemoryHistory());
    for (const path of ['/', '/gallery', '/admin']) {
      await router.push(path);
      expect(router.currentRoute.value.fullPath, path).toBe('/account?required=1');
    }
    await useSessionStore().changePassword({
      current_password: 'correct horse',
      new_password: 'my-own-passphrase',
    });
    await router.push('/gallery');
    expect(router.currentRoute.value.name).toBe('gallery');
  });

  it('opens Account for any signed-in user', async () => {
    api.signedIn = { id: 2, username: 'u', role: 'user' };
    expect((await visit('/account')).name).toBe('account');
  });

  it('answers unknown paths with the 404 page', async () => {
    expect((await visit('/no/such/page')).name).toBe('not-found');
  });

  it('only follows same-app redirects', () => {
    expect(safeRedirect('/gallery?x=1')).toBe('/gallery?x=1');
    expect(safeRedirect('//evil.example')).toBeNull();
    expect(safeRedirect('https://evil.example')).toBeNull();
    expect(safeRedirect(['/a'])).toBeNull();
  });
});
