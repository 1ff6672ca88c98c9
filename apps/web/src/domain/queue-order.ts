/** Reordering one's waiting jobs: the moves the Queue page offers, as pure list arithmetic. */

/** A keyboard or button move of one waiting job. */
export type QueueMove = 'up' | 'down' | 'top' | 'bottom';

/** The index a move sends the job at `from` to, or null when it stays where it is (already first, last…). */
export function moveIndex(length: number, from: number, move: QueueMove): number | null {
  if (from < 0 || from >= length) return null;
  const to = { up: from - 1, down: from + 1, top: 0, bottom: length - 1 }[move];
  return to === from || to < 0 || to >= length ? null : to;
}

/** A copy of `items` with the one at `from` taken out and put back at `to`. */
export function reorder<T>(items: readonly T[], from: number, to: number): T[] {
  const copy = [...items];
  const [moved] = copy.splice(from, 1);
  if (moved === undefined) return copy;
  copy.splice(Math.max(0, Math.min(to, copy.length)), 0, moved);
  return copy;
}

/**
 * Where a dragged job lands when dropped on the job at `over`: before it when the pointer is in its
 * upper half, after it otherwise. Indices are of the list before the move (as the drag sees it).
 */
export function dropIndex(from: number, over: number, isAfter: boolean): number {
  const slot = isAfter ? over + 1 : over;
  // Taking the dragged job out shifts everything after it up by one.
  return slot > from ? slot - 1 : slot;
}

/**
 * The server's name for a place in my queue: `'top'` and `'bottom'` say what is meant even if the
 * list changed since it was read (a job dispatched, another queued); anything in between is the
 * 1-based position among my waiting jobs.
 */
export function positionTarget(to: number, length: number): 'top' | 'bottom' | number {
  if (to <= 0) return 'top';
  if (to >= length - 1) return 'bottom';
  return to + 1;
}
