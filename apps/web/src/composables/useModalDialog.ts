import { useScrollLock } from '@vueuse/core';
import { onMounted, onUnmounted, type Ref } from 'vue';

/**
 * What a modal dialog owes the keyboard: the page behind stops scrolling, focus moves to the
 * element marked `data-autofocus`, Tab and Shift+Tab wrap inside the dialog, and on close focus
 * returns to where it was. Call `trapTab` from the dialog's keydown handler.
 */
export function useModalDialog(dialog: Readonly<Ref<HTMLElement | null>>) {
  const scrollLock = useScrollLock(typeof document === 'undefined' ? null : document.body);
  let returnFocus: HTMLElement | null = null;

  const focusables = () =>
    Array.from(
      dialog.value?.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])',
      ) ?? [],
    );

  function trapTab(event: KeyboardEvent): void {
    if (event.key !== 'Tab') return;
    const items = focusables();
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !dialog.value?.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !dialog.value?.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  onMounted(() => {
    returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    scrollLock.value = true;
    dialog.value?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  });

  onUnmounted(() => {
    scrollLock.value = false;
    returnFocus?.focus();
  });

  return { trapTab };
}
