import {
  roleAtLeast,
  type AuthUser,
  type ChangePasswordRequest,
  type LoginRequest,
  type MeResponse,
  type Role,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi } from '../api/auth';
import { ApiError } from '../api/http';

/** `unknown` until the first /auth/me answer; the router waits for it before guarding. */
export type SessionStatus = 'unknown' | 'loading' | 'ready';

export const useSessionStore = defineStore('session', () => {
  const user = ref<AuthUser | null>(null);
  const status = ref<SessionStatus>('unknown');
  /** An admin reset the password: the API refuses everything else until the user picks a new one. */
  const mustChangePassword = ref(false);
  /** How many of our webhooks Atelier turned off after days of failed deliveries (the app-wide notice). */
  const disabledWebhooks = ref(0);
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
        accept(await authApi.me());
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

  function accept({ must_change_password, disabled_webhooks, ...me }: MeResponse): void {
    user.value = me;
    mustChangePassword.value = must_change_password;
    disabledWebhooks.value = disabled_webhooks;
  }

  /**
   * Asks /auth/me again for what the app tells us on every page (the sign-in's answer does not carry it; a
   * re-enabled webhook changes it). Never rejects: a failure (refusal or network) keeps what we knew, as the
   * notice is not worth an error of its own.
   */
  async function refreshNotices(): Promise<void> {
    try {
      const me = await authApi.me();
      // Signed out or in as someone else meanwhile: this answer is not ours any more.
      if (user.value?.id === me.id) accept(me);
    } catch {
      // Kept as it was.
    }
  }

  async function login(credentials: LoginRequest): Promise<AuthUser> {
    const response = await authApi.login(credentials);
    user.value = response.user;
    mustChangePassword.value = response.must_change_password;
    disabledWebhooks.value = 0;
    status.value = 'ready';
    void refreshNotices();
    return response.user;
  }

  /**
   * Changes our own password. The API ends every session of ours and answers a new one whose cookies
   * replace ours, so this tab stays signed in; other devices are signed out. Rejects with the ApiError.
   */
  async function changePassword(request: ChangePasswordRequest): Promise<void> {
    const response = await authApi.changePassword(request);
    user.value = response.user;
    mustChangePassword.value = response.must_change_password;
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
    mustChangePassword.value = false;
    disabledWebhooks.value = 0;
    status.value = 'ready';
  }

  return {
    user,
    status,
    mustChangePassword,
    disabledWebhooks,
    isAuthenticated,
    role,
    isAdmin,
    hasRole,
    ensureLoaded,
    login,
    changePassword,
    logout,
    clear,
    refreshNotices,
  };
});
