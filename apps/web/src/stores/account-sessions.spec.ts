import type { SessionSummary } from '@atelier/contract';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useAccountSessionsStore } from './account-sessions';
import { useSessionStore } from './session';

let api: FakeApi;
const at = '2026-01-01T00:00:00.000Z';
const session = (id: string, isCurrent: boolean): SessionSummary => ({
  id,
  created_at: at,
  last_seen_at: at,
  expires_at: at,
  user_agent: 'Firefox',
  ip: '192.0.2.1',
  is_current: isCurrent,
});

beforeEach(async () => {
  api = installFakeApi(testUsers.admin);
  api.sessions = [session('here', true), session('phone', false), session('tablet', false)];
  await useSessionStore().ensureLoaded();
});

describe('account sessions store', () => {
  it('lists, ends another one and keeps the rest', async () => {
    const store = useAccountSessionsStore();
    await store.load();
    expect(store.items.map((s) => s.id)).toEqual(['here', 'phone', 'tablet']);
    expect(await store.end(store.items[1]!)).toBe('ended');
    expect(store.items.map((s) => s.id)).toEqual(['here', 'tablet']);
    expect(api.calls).toContain('DELETE /api/auth/sessions/phone');
    expect(useSessionStore().isAuthenticated).toBe(true);
  });

  it('ends all the others in one call', async () => {
    const store = useAccountSessionsStore();
    await store.load();
    expect(await store.endOthers()).toBe(true);
    expect(store.items.map((s) => s.id)).toEqual(['here']);
    expect(api.sessions.map((s) => s.id)).toEqual(['here']);
  });

  it('signs this tab out when the current session is ended', async () => {
    const store = useAccountSessionsStore();
    await store.load();
    expect(await store.end(store.items[0]!)).toBe('signed-out');
    expect(useSessionStore().isAuthenticated).toBe(false);
    expect(store.items).toEqual([]);
  });

  it('reports a session that is already gone and keeps the list', async () => {
    const store = useAccountSessionsStore();
    await store.load();
    api.sessions = api.sessions.filter((s) => s.id !== 'phone');
    expect(await store.end(store.items[1]!)).toBe('failed');
    expect(store.items).toHaveLength(3);
  });
});
