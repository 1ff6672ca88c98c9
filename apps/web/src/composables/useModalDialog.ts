import { useScrollLock } from '@vueuse/core';
import { onMounted, onUnmounted, type Ref } from 'vue';

/** How many dialogs outside the app root are open: the root stays inert until the last one closes. */
let inertHolders = 0;
let rootWasInert = false;

/**
 * The app root (#app) becomes inert while a dialog that lives outside it (teleported to <body>) is
 * open, so neither Tab nor a screen reader's browse mode reaches the page behind; aria-modal alone
 * does not stop the latter. A dialog inside the root cannot do that without silencing itself.
 */
function holdRootInert(dialog: HTMLElement | null): () => void {
  const root = document.getElementById('app');
  if (!root || !dialog || root.contains(dialog)) return () => undefined;
  if (inertHolders++ === 0) {
    rootWasInert = root.hasAttribute('inert');
    root.setAttribute('inert', '');
  }
  return () => {
    if (--inertHolders === 0 && !rootWasInert) root.removeAttribute('inert');
  };
}

/**
 * What a modal dialog owes the keyboard: the page behind stops scrolling (and is inert when the
 * dialog is outside the app root), focus moves to the element marked `data-autofocus`, Tab and
 * Shift+Tab wrap inside the dialog, and on close focus returns to where it was. Call `trapTab`
 * from the dialog's keydown handler.
 */
export function useModalDialog(dialog: Readonly<Ref<HTMLElement | null>>) {
  const scrollLock = useScrollLock(typeof document === 'undefined' ? null : document.body);
  let returnFocus: HTMLElement | null = null;
  let releaseRoot: () => void = () => undefined;

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
    releaseRoot = holdRootInert(dialog.value);
    dialog.value?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  });

  onUnmounted(() => {
    scrollLock.value = false;
    releaseRoot();
    returnFocus?.focus();
  });

  return { trapTab };
}
