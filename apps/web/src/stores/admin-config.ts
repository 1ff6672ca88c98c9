import type {
  AdminConfigPatch,
  AdminConfigResponse,
  RuntimeSettingKey,
  RuntimeSettings,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { configApi } from '../api/config';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

type FieldErrors = Partial<Record<RuntimeSettingKey, string[]>>;

/** Runtime settings as the API reports them, with per-field save state and validation errors. */
export const useAdminConfigStore = defineStore('admin-config', () => {
  const notifications = useNotificationsStore();
  const config = ref<AdminConfigResponse | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const fieldErrors = ref<FieldErrors>({});
  const savingKeys = ref<RuntimeSettingKey[]>([]);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      config.value = await configApi.get();
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  async function apply(key: RuntimeSettingKey, patch: AdminConfigPatch, success: string): Promise<boolean> {
    savingKeys.value = [...savingKeys.value, key];
    const { [key]: _cleared, ...otherErrors } = fieldErrors.value;
    fieldErrors.value = otherErrors;
    try {
      config.value = await configApi.patch(patch);
      notifications.success({ title: success });
      return true;
    } catch (e) {
      const perField = e instanceof ApiError ? e.fieldErrors : {};
      const messages = perField[key];
      if (messages && messages.length > 0) fieldErrors.value = { ...fieldErrors.value, [key]: messages };
      else notifications.error({ title: 'Could not save the setting', message: describeError(e) });
      return false;
    } finally {
      savingKeys.value = savingKeys.value.filter((saving) => saving !== key);
    }
  }

  /**
   * Persists an admin override; `successTitle` is the toast shown when it sticks. The value's type
   * per key is the server's to check: a mismatch comes back as a 400 shown on the field.
   */
  function save(key: RuntimeSettingKey, value: RuntimeSettings[RuntimeSettingKey], successTitle: string) {
    const patch: AdminConfigPatch = { [key]: value };
    return apply(key, patch, successTitle);
  }

  function reset(key: RuntimeSettingKey, label: string) {
    return apply(key, { [key]: null }, `${label} reset to its default`);
  }

  return { config, status, error, fieldErrors, savingKeys, load, save, reset };
});
