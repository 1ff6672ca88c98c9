import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi } from '../test/install-fake-api';
import { useSessionStore } from './session';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi();
});

describe('session store', () => {
  it('starts signed out when the API has no session, without redirect loops', async () => {
    const session = useSessionStore();
    await session.ensureLoaded();
    expect(session.status).toBe('ready');
    expect(session.user).toBeNull();
    expect(session.isAuthenticated).toBe(false);
    expect(api.calls).toEqual(['GET /api/auth/me', 'POST /api/auth/refresh']);
  });

  it('asks the API only once however many guards wait for it', async () => {
    api.signedIn = { id: 1, username: 'admin', role: 'admin' };
    const session = useSessionStore();
    await Promise.all([session.ensureLoaded(), session.ensureLoaded()]);
    await session.ensureLoaded();
    expect(api.calls).toEqual(['GET /api/auth/me']);
    expect(session.user?.username).toBe('admin');
  });

  it('restores the session through a refresh when the access token expired', async () => {
    api.signedIn = { id: 1, username: 'admin', role: 'admin' };
    api.expireAccess();
    const session = useSessionStore();
    await session.ensureLoaded();
    expect(session.user?.username).toBe('admin');
    expect(api.calls).toEqual(['GET /api/auth/me', 'POST /api/auth/refresh', 'GET /api/auth/me']);
  });

  it('logs in and exposes role helpers', async () => {
    api.users.push({ ...api.users[0]!, id: 2, username: 'cura', password: 'curator-pass', role: 'curator' });
    const session = useSessionStore();
    await session.login({ username: 'cura', password: 'curator-pass' });
    expect(session.role).toBe('curator');
    expect(session.hasRole('user')).toBe(true);
    expect(session.hasRole('curator')).toBe(true);
    expect(session.hasRole('admin')).toBe(false);
    expect(session.isAdmin).toBe(false);
  });

  it('rejects bad credentials with the API error and stays signed out', async () => {
    const session = useSessionStore();
    await expect(session.login({ username: 'admin', password: 'nope' })).rejects.toMatchObject({
      status: 401,
      code: 'auth.invalid_credentials',
    });
    expect(session.user).toBeNull();
    expect(api.calls).toEqual(['POST /api/auth/login']);
  });

  it('knows the password must change after an admin reset, from the sign-in and from /auth/me', async () => {
    api.users[0]!.must_change_password = true;
    const session = useSessionStore();
    await session.login({ username: 'admin', password: 'correct horse' });
    expect(session.mustChangePassword).toBe(true);

    // A reload asks /auth/me instead: the flag must survive it.
    setActivePinia(createPinia());
    const reloaded = useSessionStore();
    await reloaded.ensureLoaded();
    expect(reloaded.isAuthenticated).toBe(true);
    expect(reloaded.mustChangePassword).toBe(true);

    await reloaded.changePassword({ current_password: 'correct horse', new_password: 'my-own-passphrase' });
    expect(reloaded.mustChangePassword).toBe(false);
    expect(reloaded.isAuthenticated).toBe(true);
    expect(api.users[0]?.password).toBe('my-own-passphrase');
  });

  it('keeps the flag when a password change is refused', async () => {
    api.users[0]!.must_change_password = true;
    const session = useSessionStore();
    await session.login({ username: 'admin', password: 'correct horse' });
    await expect(
      session.changePassword({ current_password: 'wrong', new_password: 'my-own-passphrase' }),
    ).rejects.toMatchObject({ status: 400, code: 'auth.wrong_password' });
    expect(session.mustChangePassword).toBe(true);
  });

  it('logs out on the server and forgets the user', async () => {
    const session = useSessionStore();
    await session.login({ username: 'admin', password: 'correct horse' });
    await session.logout();
    expect(session.user).toBeNull();
    expect(api.signedIn).toBeNull();
    expect(api.calls.at(-1)).toBe('POST /api/auth/logout');
  });
});
