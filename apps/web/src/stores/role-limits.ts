import type { Role, RoleLimitsResponse, RoleLimitsUpdate } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { limitsApi } from '../api/limits';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** Caps per role, for the Admin page. A refused save keeps its field errors for the form. */
export const useRoleLimitsStore = defineStore('role-limits', () => {
  const notifications = useNotificationsStore();
  const items = ref<RoleLimitsResponse[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const fieldErrors = ref<Partial<Record<Role, Record<string, string[]>>>>({});
  const savingRoles = ref<Role[]>([]);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      items.value = (await limitsApi.list()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Saves only what changed (`null`: unlimited). */
  async function save(role: Role, changes: RoleLimitsUpdate): Promise<boolean> {
    savingRoles.value = [...savingRoles.value, role];
    fieldErrors.value = { ...fieldErrors.value, [role]: {} };
    try {
      const saved = await limitsApi.put(role, changes);
      items.value = items.value.map((item) => (item.role === role ? saved : item));
      notifications.success({ title: `Limits for ${role}s saved` });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed')
        fieldErrors.value = { ...fieldErrors.value, [role]: e.fieldErrors };
      notifications.error({ title: `Could not save the limits for ${role}s`, message: describeError(e) });
      return false;
    } finally {
      savingRoles.value = savingRoles.value.filter((saving) => saving !== role);
    }
  }

  return { items, status, error, fieldErrors, savingRoles, load, save };
});
