import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../router';
import { createFakeApi, type FakeApi } from '../test/fake-api';
import LoginPage from './LoginPage.vue';

let api: FakeApi;

async function mountLogin(path = '/login') {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  const wrapper = mount(LoginPage, { global: { plugins: [pinia, router] }, attachTo: document.body });
  return { wrapper, router };
}

async function submit(
  wrapper: Awaited<ReturnType<typeof mountLogin>>['wrapper'],
  username: string,
  password: string,
) {
  await wrapper.get('input[name="username"]').setValue(username);
  await wrapper.get('input[name="password"]').setValue(password);
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

beforeEach(() => {
  api = createFakeApi();
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('LoginPage', () => {
  it('has labelled inputs', async () => {
    const { wrapper } = await mountLogin();
    for (const [name, label] of [
      ['username', 'Username'],
      ['password', 'Password'],
    ]) {
      const input = wrapper.get(`input[name="${name}"]`);
      expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).toBe(label);
    }
    wrapper.unmount();
  });

  it('shows the error in an alert region on bad credentials and clears the password', async () => {
    const { wrapper, router } = await mountLogin();
    await submit(wrapper, 'admin', 'wrong password');
    expect(wrapper.get('[role="alert"]').text()).toContain('Wrong username or password.');
    expect((wrapper.get('input[name="password"]').element as HTMLInputElement).value).toBe('');
    expect(router.currentRoute.value.name).toBe('login');
    wrapper.unmount();
  });

  it('asks for missing fields without calling the API', async () => {
    const { wrapper } = await mountLogin();
    await submit(wrapper, '', '');
    expect(wrapper.text()).toContain('Enter your username.');
    expect(wrapper.get('input[name="username"]').attributes('aria-invalid')).toBe('true');
    expect(api.calls.filter((c) => c.includes('login'))).toEqual([]);
    wrapper.unmount();
  });

  it('counts down a rate limit and keeps the button disabled meanwhile', async () => {
    const { wrapper } = await mountLogin();
    vi.useFakeTimers();
    api.nextLoginFailure = {
      status: 429,
      body: { code: 'rate_limited', message: 'Too many requests.' },
      headers: { 'retry-after': '3' },
    };
    await submit(wrapper, 'admin', 'whatever');
    expect(wrapper.get('[role="alert"]').text()).toContain('Try again in 3 s');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(wrapper.get('[role="alert"]').text()).toContain('Try again in 2 s');
    await vi.advanceTimersByTimeAsync(2000);
    expect(wrapper.get('[role="alert"]').text()).toBe('');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });

  it('counts down when the server is busy with other sign-ins (503 auth.busy), then lets the user retry', async () => {
    const { wrapper } = await mountLogin();
    vi.useFakeTimers();
    api.nextLoginFailure = {
      status: 503,
      body: { code: 'auth.busy', message: 'Too many sign-ins at once.' },
      headers: { 'retry-after': '2' },
    };
    await submit(wrapper, 'admin', 'whatever');
    expect(wrapper.get('[role="alert"]').text()).toBe('Atelier is busy signing people in. Try again in 2 s.');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined();
    await vi.advanceTimersByTimeAsync(2000);
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });

  it('signs in and goes to the page asked for', async () => {
    const { wrapper, router } = await mountLogin('/login?redirect=/gallery');
    await submit(wrapper, 'admin', 'correct horse');
    // The target page is a lazily loaded chunk (the gallery's is large to transform on a busy
    // machine), so the navigation finishes on its own time.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/gallery'), { timeout: 8000 });
    expect(api.signedIn?.username).toBe('admin');
    wrapper.unmount();
  });
});
