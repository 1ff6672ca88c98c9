import { storeToRefs } from 'pinia';
import { onMounted, watch } from 'vue';
import { useComfyHealthStore } from '../stores/comfy-health';

/**
 * Runs `load` once the ComfyUI integration is known to be on: on mount (after a first health check
 * if none has been made), and again each time it is switched back on. While it is off every
 * /api/comfy route answers 503, so loading then would only fail. Returns `isDisabled` for the page.
 */
export function useWhenComfyOn(load: () => void) {
  const health = useComfyHealthStore();
  const { isDisabled } = storeToRefs(health);

  function loadIfOn(): void {
    if (!isDisabled.value) load();
  }

  onMounted(async () => {
    if (!health.health) await health.refresh();
    loadIfOn();
  });
  watch(isDisabled, loadIfOn);
  return { isDisabled };
}
