import type { AuthUser } from '@atelier/contract';
import { createPinia, setActivePinia } from 'pinia';
import { vi } from 'vitest';
import { createFakeApi, type FakeApi } from './fake-api';
import { FakeEventSource } from './fake-event-source';

/** Who the fake API has signed in, by role. */
export const testUsers = {
  user: { id: 3, username: 'ursula', role: 'user' },
  curator: { id: 2, username: 'cora', role: 'curator' },
  admin: { id: 1, username: 'admin', role: 'admin' },
} as const satisfies Record<string, AuthUser>;

/**
 * A test's world: a fresh fake API behind `fetch` with `user` signed in (or nobody), the in-memory
 * EventSource, a fresh Pinia and an empty localStorage.
 */
export function installFakeApi(user: AuthUser | null = null): FakeApi {
  localStorage.clear();
  const api = createFakeApi();
  api.signedIn = user ? { ...user } : null;
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('EventSource', FakeEventSource);
  FakeEventSource.reset();
  setActivePinia(createPinia());
  return api;
}
