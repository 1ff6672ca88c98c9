import { defineStore } from 'pinia';
import { ref } from 'vue';
import { managedComfyApi } from '../api/comfy-managed';
import { describeError } from './errors';
import { useComfyHealthStore } from './comfy-health';
import { useNotificationsStore } from './notifications';

/**
 * Restarting the ComfyUI server Atelier runs itself. Its state is part of GET /api/comfy/health
 * (`info.managed`), so the health store stays the one source; this store only runs the command.
 */
export const useComfyManagedStore = defineStore('comfy-managed', () => {
  const notifications = useNotificationsStore();
  const health = useComfyHealthStore();
  const isRestarting = ref(false);

  async function restart(): Promise<void> {
    if (isRestarting.value) return;
    isRestarting.value = true;
    try {
      await managedComfyApi.restart();
      notifications.info({ title: 'ComfyUI is restarting', message: 'It is ready again once warmed up.' });
    } catch (e) {
      notifications.error({ title: 'Could not restart ComfyUI', message: describeError(e) });
    } finally {
      isRestarting.value = false;
      await health.refresh();
    }
  }

  return { isRestarting, restart };
});
