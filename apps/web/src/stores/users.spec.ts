import { beforeEach, describe, expect, it } from 'vitest';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useNotificationsStore } from './notifications';
import { useUsersStore } from './users';

beforeEach(() => {
  installFakeApi(testUsers.admin);
});

const toastTitles = () => useNotificationsStore().toasts.map((t) => t.title);

describe('users store', () => {
  it('loads, creates and updates users', async () => {
    const store = useUsersStore();
    await store.load();
    expect(store.users.map((u) => u.username)).toEqual(['admin']);

    const created = await store.create({ username: 'cora', password: 'long enough now', role: 'curator' });
    expect(created?.role).toBe('curator');
    expect(store.users.map((u) => u.username)).toEqual(['admin', 'cora']);

    await expect(store.update(created!.id, { disabled: true })).resolves.toBe(true);
    expect(store.users[1]?.disabled).toBe(true);
    expect(store.pendingIds).toEqual([]);
  });

  it('resets a password: the row says the user must change it; a short one goes back to the dialog', async () => {
    const store = useUsersStore();
    await store.load();
    const cora = await store.create({ username: 'cora', password: 'long enough now', role: 'curator' });
    await expect(store.resetPassword(cora!.id, 'short')).resolves.toEqual({
      password: ['password must be at least 12 characters'],
    });
    expect(store.users[1]?.must_change_password).toBe(false);

    await expect(store.resetPassword(cora!.id, 'temporary-password-1')).resolves.toBeNull();
    expect(store.users[1]?.must_change_password).toBe(true);
    expect(toastTitles()).toContain('Password of “cora” reset');
    expect(store.pendingIds).toEqual([]);
  });

  it('keeps validation details for the form and says so in a toast', async () => {
    const store = useUsersStore();
    await expect(store.create({ username: 'x', password: 'short', role: 'user' })).resolves.toBeNull();
    expect(store.createErrors).toEqual({
      username: ['username is not valid'],
      password: ['password must be at least 12 characters'],
    });
    expect(toastTitles()).toContain('Could not create the user');
    expect(store.isCreating).toBe(false);
  });

  it('reports a refused change (the last admin) as an error toast and keeps the row as it was', async () => {
    const store = useUsersStore();
    await store.load();
    await expect(store.update(1, { role: 'user' })).resolves.toBe(false);
    expect(store.users[0]?.role).toBe('admin');
    expect(useNotificationsStore().toasts.at(-1)).toMatchObject({
      kind: 'error',
      message: 'Keep at least one admin.',
    });
  });
});
