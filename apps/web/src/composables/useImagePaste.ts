import { useEventListener } from '@vueuse/core';
import { toValue, type MaybeRefOrGetter } from 'vue';
import { imageFileOf } from '../domain/input-image';

function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement) return true;
  return target instanceof HTMLInputElement && !['file', 'checkbox', 'radio', 'button'].includes(target.type);
}

/**
 * Calls `onImage` with the image a paste carries (Ctrl+V of a copied image or screenshot), on `target` (an
 * element, or `window` for the whole page while the caller is mounted). A paste of text into a text field
 * stays the field's: only a paste that brings no text, or lands outside text fields, is taken.
 */
export function useImagePaste(
  target: MaybeRefOrGetter<HTMLElement | Window | null | undefined>,
  onImage: (file: File) => void,
  isEnabled: MaybeRefOrGetter<boolean> = true,
): void {
  useEventListener(target, 'paste', (event: ClipboardEvent) => {
    if (!toValue(isEnabled) || event.defaultPrevented) return;
    const file = imageFileOf(event.clipboardData);
    if (!file) return;
    if (isTextField(event.target) && (event.clipboardData?.getData('text/plain') ?? '') !== '') return;
    event.preventDefault();
    onImage(file);
  });
}
