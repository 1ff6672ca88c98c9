import { createSharedComposable, useColorMode } from '@vueuse/core';
import { computed } from 'vue';
import { appConfig } from '../config';

/**
 * Light/dark theme: follows `prefers-color-scheme` until the user picks one, then remembers the
 * pick in localStorage. Shared, so every caller sees the same state and one `data-theme` writer.
 */
export const useTheme = createSharedComposable(() => {
  const { state, store } = useColorMode({
    attribute: 'data-theme',
    storageKey: appConfig.colorSchemeStorageKey,
  });
  const isDark = computed(() => state.value === 'dark');

  function toggle(): void {
    store.value = isDark.value ? 'light' : 'dark';
  }

  return { isDark, preference: store, toggle };
});
