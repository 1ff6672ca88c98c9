import { roleAtLeast, type AuthUser, type LoginRequest, type Role } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi } from '../api/auth';
import { ApiError } from '../api/http';

/** `unknown` until the first /auth/me answer; the router waits for it before guarding. */
export type SessionStatus = 'unknown' | 'loading' | 'ready';

export const useSessionStore = defineStore('session', () => {
  const user = ref<AuthUser | null>(null);
  const status = ref<SessionStatus>('unknown');
  let loading: Promise<void> | null = null;

  const isAuthenticated = computed(() => user.value !== null);
  const role = computed<Role | null>(() => user.value?.role ?? null);
  const isAdmin = computed(() => hasRole('admin'));

  function hasRole(required: Role): boolean {
    return user.value !== null && roleAtLeast(user.value.role, required);
  }

  /** Asks the API who we are, once; later calls reuse the answer. */
  function ensureLoaded(): Promise<void> {
    if (status.value === 'ready') return Promise.resolve();
    loading ??= (async () => {
      status.value = 'loading';
      try {
        user.value = await authApi.me();
      } catch (error) {
        // No session is a normal answer; anything else (API down) also leaves us signed out.
        if (!(error instanceof ApiError)) throw error;
        user.value = null;
      } finally {
        status.value = 'ready';
        loading = null;
      }
    })();
    return loading;
  }

  async function login(credentials: LoginRequest): Promise<AuthUser> {
    const response = await authApi.login(credentials);
    user.value = response.user;
    status.value = 'ready';
    return response.user;
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout();
    } finally {
      clear();
    }
  }

  /** Forgets the user locally (the server already considers the session gone). */
  function clear(): void {
    user.value = null;
    status.value = 'ready';
  }

  return { user, status, isAuthenticated, role, isAdmin, hasRole, ensureLoaded, login, logout, clear };
});
