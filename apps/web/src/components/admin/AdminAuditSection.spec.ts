import type { AuditEntry } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { getActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditPageSize, useAuditStore } from '../../stores/audit';
import type { FakeApi } from '../../test/fake-api';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import AdminAuditSection from './AdminAuditSection.vue';

let api: FakeApi;

const entry = (id: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: new Date(Date.UTC(2025, 0, 1, 12, 0, id)).toISOString(),
  actor: { id: 1, username: 'admin' },
  action: 'user.created',
  target: { type: 'user', id: String(100 + id), label: `user-${id}` },
  details: { role: 'user' },
  ...overrides,
});

beforeEach(() => {
  api = installFakeApi(testUsers.admin);
});

async function mountSection() {
  await useAuditStore().load();
  const pinia = getActivePinia();
  if (!pinia) throw new Error('no active pinia');
  const wrapper = mount(AdminAuditSection, { global: { plugins: [pinia], stubs: { RouterLink: true } } });
  await flushPromises();
  return wrapper;
}

const rows = (wrapper: Awaited<ReturnType<typeof mountSection>>) => wrapper.findAll('tbody tr');

describe('AdminAuditSection', () => {
  it('says so when nothing was recorded yet', async () => {
    const wrapper = await mountSection();
    expect(wrapper.text()).toContain('Nothing recorded yet.');
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('shows who, when, what and on what, newest first, in words', async () => {
    api.audit.push(
      entry(1, {
        action: 'settings.changed',
        target: { type: 'settings', id: null, label: null },
        details: {
          changed: { comfy_timeout: { from: 30, to: 45 }, comfy_enabled: { from: false, to: true } },
        },
      }),
      entry(2, {
        actor: { id: 2, username: 'cora' },
        action: 'gallery.image_deleted',
        target: { type: 'image', id: '7', label: 'abcdef123456' },
        details: { sha256: 'abcdef1234567890' },
      }),
      entry(3, {
        action: 'user.updated',
        details: { role: { from: 'user', to: 'curator' }, disabled: { from: false, to: true } },
      }),
    );
    const wrapper = await mountSection();
    const cells = rows(wrapper).map((row) => row.findAll('th, td').map((cell) => cell.text()));
    expect(cells.map((row) => row.slice(1))).toEqual([
      ['admin', 'User changed', 'user user-3 (#103)', 'role: user → curatordisabled'],
      ['cora', 'Image deleted', 'image abcdef123456 (#7)', 'sha256 abcdef1234567890'],
      [
        'admin',
        'Settings changed',
        'Runtime settings',
        'Request timeout: 30 → 45ComfyUI integration: off → on',
      ],
    ]);
    expect(wrapper.get('tbody tr time').attributes('datetime')).toBe('2025-01-01T12:00:03.000Z');
  });

  it('loads the next page on "Load more" until there is none, by keyboard too', async () => {
    for (let id = 1; id <= auditPageSize + 3; id += 1) api.audit.push(entry(id));
    const wrapper = await mountSection();
    expect(rows(wrapper)).toHaveLength(auditPageSize);
    const more = wrapper.findAll('button').find((button) => button.text() === 'Load more');
    if (!more) throw new Error('no Load more button');
    expect(more.attributes('type')).toBe('button'); // a native button: Enter and Space work
    await more.trigger('click');
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(auditPageSize + 3);
    expect(rows(wrapper).at(-1)?.text()).toContain('user-1');
    expect(wrapper.findAll('button').some((button) => button.text() === 'Load more')).toBe(false);
    expect(api.calls.filter((call) => call === 'GET /api/admin/audit')).toHaveLength(2);
    // The table scrolls on its own and can take focus, so it can be scrolled from the keyboard.
    expect(wrapper.get('[aria-label="Audit log entries"]').attributes('tabindex')).toBe('0');
  });

  it('filters by action and shows a new settings change after a refresh', async () => {
    api.audit.push(entry(1), entry(2, { action: 'user.password_reset', details: {} }));
    const wrapper = await mountSection();
    await wrapper.get('select').setValue('user.password_reset');
    await flushPromises();
    expect(rows(wrapper).map((row) => row.text())).toEqual([expect.stringContaining('Password reset')]);

    await wrapper.get('select').setValue('');
    await flushPromises();
    await fetch('/api/admin/config', { method: 'PATCH', body: JSON.stringify({ comfy_timeout: 60 }) });
    await wrapper
      .findAll('button')
      .find((button) => button.text() === 'Refresh')
      ?.trigger('click');
    await flushPromises();
    expect(rows(wrapper)[0]?.text()).toContain('Request timeout: 30 → 60');
    expect(rows(wrapper)).toHaveLength(3);
  });

  it('offers to try again when the log cannot be loaded', async () => {
    api.signedIn = { ...testUsers.curator };
    const wrapper = await mountSection();
    expect(wrapper.text()).toContain('Could not load the audit log');
    api.signedIn = { ...testUsers.admin };
    await wrapper
      .findAll('button')
      .find((button) => button.text() === 'Try again')
      ?.trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('Nothing recorded yet.');
  });
});
