import type { CreateUserRequest, UpdateUserRequest, UserSummary } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { usersApi } from '../api/users';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** User management for admins. Failures become toasts; validation details stay on the form. */
export const useUsersStore = defineStore('users', () => {
  const notifications = useNotificationsStore();
  const users = ref<UserSummary[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const createErrors = ref<Record<string, string[]>>({});
  const isCreating = ref(false);
  /** Ids of rows with a change in flight, so their controls can show it. */
  const pendingIds = ref<number[]>([]);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      users.value = await usersApi.list();
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  async function create(request: CreateUserRequest): Promise<UserSummary | null> {
    isCreating.value = true;
    createErrors.value = {};
    try {
      const created = await usersApi.create(request);
      users.value = [...users.value, created];
      notifications.success({
        title: `User “${created.username}” created`,
        message: `Role: ${created.role}`,
      });
      return created;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed') createErrors.value = e.fieldErrors;
      notifications.error({ title: 'Could not create the user', message: describeError(e) });
      return null;
    } finally {
      isCreating.value = false;
    }
  }

  async function update(id: number, patch: UpdateUserRequest): Promise<boolean> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      const updated = await usersApi.update(id, patch);
      users.value = users.value.map((user) => (user.id === id ? updated : user));
      notifications.success({ title: `Saved changes to “${updated.username}”` });
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not update the user', message: describeError(e) });
      return false;
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  /**
   * Sets a temporary password. Resolves to null on success, else the field errors to show in the
   * dialog (`{}` when the failure was a toast).
   */
  async function resetPassword(id: number, password: string): Promise<Record<string, string[]> | null> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      const updated = await usersApi.resetPassword(id, { password });
      users.value = users.value.map((user) => (user.id === id ? updated : user));
      notifications.success({
        title: `Password of “${updated.username}” reset`,
        message: 'Their sessions have ended; they choose a new password at next sign-in.',
      });
      return null;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed') return e.fieldErrors;
      notifications.error({ title: 'Could not reset the password', message: describeError(e) });
      return {};
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  return { users, status, error, createErrors, isCreating, pendingIds, load, create, update, resetPassword };
});
