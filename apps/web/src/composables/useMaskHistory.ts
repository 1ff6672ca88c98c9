import { computed, shallowRef } from 'vue';

export interface MaskHistoryOptions {
  /** Most undo steps kept. */
  limit?: number;
  /** Most bytes of snapshots kept (past and future together): a large input gets fewer steps. */
  maxBytes?: number;
}

/**
 * Undo and redo for the mask editor as whole-mask snapshots: a stroke, an invert or a clear each
 * record the mask as it was before. Capped by count and bytes, dropping the oldest steps; a new
 * change forgets what could be redone.
 */
export function useMaskHistory({ limit = 30, maxBytes = 96 * 1024 * 1024 }: MaskHistoryOptions = {}) {
  const past = shallowRef<Uint8Array[]>([]);
  const future = shallowRef<Uint8Array[]>([]);
  const canUndo = computed(() => past.value.length > 0);
  const canRedo = computed(() => future.value.length > 0);

  const bytesOf = (list: Uint8Array[]) => list.reduce((sum, s) => sum + s.byteLength, 0);

  /** Call before changing the mask, with its current pixels (copied). */
  function record(before: Uint8Array): void {
    const next = [...past.value, before.slice()];
    while (next.length > limit || (next.length > 1 && bytesOf(next) > maxBytes)) next.shift();
    past.value = next;
    future.value = [];
  }

  /** The pixels to restore, or null with nothing to undo; `current` becomes redoable. */
  function undo(current: Uint8Array): Uint8Array | null {
    const previous = past.value.at(-1);
    if (!previous) return null;
    past.value = past.value.slice(0, -1);
    future.value = [...future.value, current.slice()];
    return previous;
  }

  function redo(current: Uint8Array): Uint8Array | null {
    const next = future.value.at(-1);
    if (!next) return null;
    future.value = future.value.slice(0, -1);
    past.value = [...past.value, current.slice()];
    return next;
  }

  /**
   * A change abandoned halfway (a second finger turned a stroke into a pinch): the pixels from
   * before it, and nothing becomes redoable.
   */
  function cancel(): Uint8Array | null {
    const previous = past.value.at(-1);
    if (!previous) return null;
    past.value = past.value.slice(0, -1);
    return previous;
  }

  /** A new input image: its mask has no history. */
  function reset(): void {
    past.value = [];
    future.value = [];
  }

  return { canUndo, canRedo, record, undo, redo, cancel, reset };
}
