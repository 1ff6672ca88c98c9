import { useEventListener } from '@vueuse/core';

/** Whether a key press belongs to a text field (where `/` is just a character). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return (
    target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'range'].includes(target.type)
  );
}

/**
 * The gallery's page-wide keys: `/` focuses the search (unless one is typing somewhere), Esc clears
 * the selection once dialogs (which handle Esc themselves and mark it handled) are closed, and
 * Ctrl/Cmd-A selects everything the search matches (in a text field it still selects the text).
 */
export function useGalleryHotkeys(actions: {
  focusSearch: () => void;
  escape: () => void;
  selectAll?: () => void;
}): void {
  useEventListener(window, 'keydown', (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.altKey) return;
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a' && actions.selectAll) {
      if (isTypingTarget(event.target) || document.querySelector('[aria-modal="true"]')) return;
      event.preventDefault();
      actions.selectAll();
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    if (event.key === '/' && !isTypingTarget(event.target)) {
      event.preventDefault();
      actions.focusSearch();
    } else if (event.key === 'Escape' && !isTypingTarget(event.target)) {
      actions.escape();
    }
  });
}
