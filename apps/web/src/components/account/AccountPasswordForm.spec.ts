import { passwordMinLength } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../../test/fake-api';
import { installFakeApi } from '../../test/install-fake-api';
import { useSessionStore } from '../../stores/session';
import AccountPasswordForm from './AccountPasswordForm.vue';

let api: FakeApi;
const currentPassword = 'correct horse';
const newPassword = 'a-brand-new-passphrase';

beforeEach(async () => {
  api = installFakeApi({ id: 1, username: 'admin', role: 'admin' });
  await useSessionStore().ensureLoaded();
});

afterEach(() => {
  document.body.innerHTML = '';
});

function mountForm() {
  return mount(AccountPasswordForm, { attachTo: document.body, global: { stubs: { RouterLink: true } } });
}

async function fill(wrapper: ReturnType<typeof mountForm>, current: string, next: string, confirm = next) {
  await wrapper.get('input[name="current-password"]').setValue(current);
  await wrapper.get('input[name="new-password"]').setValue(next);
  await wrapper.get('input[name="confirm-password"]').setValue(confirm);
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

/** The error text wired to an input through aria-describedby, '' when it is not marked invalid. */
function errorOf(wrapper: ReturnType<typeof mountForm>, name: string): string {
  const input = wrapper.get(`input[name="${name}"]`);
  if (input.attributes('aria-invalid') !== 'true') return '';
  const ids = (input.attributes('aria-describedby') ?? '').split(' ');
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
}

describe('AccountPasswordForm', () => {
  it('labels its fields and gives password managers what they need', () => {
    const wrapper = mountForm();
    const expected = [
      ['current-password', 'Current password', 'current-password'],
      ['new-password', 'New password', 'new-password'],
      ['confirm-password', 'Confirm new password', 'new-password'],
    ];
    for (const [name, label, autocomplete] of expected) {
      const input = wrapper.get(`input[name="${name}"]`);
      expect(input.attributes('type')).toBe('password');
      expect(input.attributes('autocomplete')).toBe(autocomplete);
      expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).toBe(label);
    }
    expect(wrapper.get('input[name="new-password"]').attributes('minlength')).toBe(String(passwordMinLength));
    expect(wrapper.get('input[autocomplete="username"]').element).toHaveProperty('value', 'admin');
  });

  it('refuses a short or unconfirmed new password before asking the API', async () => {
    const wrapper = mountForm();
    await fill(wrapper, currentPassword, 'short', 'short');
    expect(errorOf(wrapper, 'new-password')).toContain(`at least ${passwordMinLength} characters`);
    await fill(wrapper, currentPassword, newPassword, `${newPassword}!`);
    expect(errorOf(wrapper, 'new-password')).toBe('');
    expect(errorOf(wrapper, 'confirm-password')).toContain('differ');
    expect(api.calls).not.toContain('POST /api/auth/password');
    expect(wrapper.emitted('changed')).toBeUndefined();
  });

  it('shows a wrong current password on its field and keeps the old password', async () => {
    const wrapper = mountForm();
    await fill(wrapper, 'not my password', newPassword);
    expect(api.calls).toContain('POST /api/auth/password');
    expect(errorOf(wrapper, 'current-password')).toContain('not your current password');
    expect(errorOf(wrapper, 'new-password')).toBe('');
    expect(api.users[0]?.password).toBe(currentPassword);
    expect(wrapper.emitted('changed')).toBeUndefined();
  });

  it('changes it, clears the fields and says so', async () => {
    const wrapper = mountForm();
    await fill(wrapper, currentPassword, newPassword);
    expect(api.users[0]?.password).toBe(newPassword);
    expect(wrapper.emitted('changed')).toHaveLength(1);
    for (const name of ['current-password', 'new-password', 'confirm-password'])
      expect(wrapper.get(`input[name="${name}"]`).element).toHaveProperty('value', '');
    expect(useSessionStore().isAuthenticated).toBe(true);
  });
});
