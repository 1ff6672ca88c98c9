import { ref, type Ref } from 'vue';
import { maskCommandOf, type MaskCommand } from '../domain/mask';

/**
 * The mask editor's keyboard: the keys of maskCommandOf run their command, and Space held on the
 * region itself (not on a toolbar button it would press) pans until it is released or focus leaves.
 */
export function useMaskKeys(
  region: Readonly<Ref<HTMLElement | null>>,
  commands: Readonly<Record<MaskCommand, () => void>>,
) {
  const isPanning = ref(false);

  function onKeydown(event: KeyboardEvent): void {
    if (event.key === ' ' && event.target === region.value) {
      event.preventDefault();
      isPanning.value = true;
      return;
    }
    const command = maskCommandOf(event);
    if (!command) return;
    event.preventDefault();
    commands[command]();
  }

  const stopPanning = () => (isPanning.value = false);

  return { isPanning, onKeydown, stopPanning };
}
