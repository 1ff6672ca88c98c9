import type { GallerySelection } from '@atelier/contract';

/** The drag data type of images dragged from the grid: a selection as JSON. */
export const selectionMime = 'application/x-atelier-selection';

type DragData = Pick<DataTransfer, 'setData' | 'getData' | 'types'> & { effectAllowed: string };

/** Puts the dragged selection (the dragged tile, or the picks it belongs to) on the drag. */
export function writeDragSelection(data: DragData, selection: GallerySelection): void {
  data.setData(selectionMime, JSON.stringify(selection));
  // A plain-text fallback says what was dragged if it lands elsewhere.
  data.setData(
    'text/plain',
    'ids' in selection ? `images ${selection.ids.join(', ')}` : 'images matching a search',
  );
  data.effectAllowed = 'copy';
}

/** Whether a drag carries images from the grid (the data itself is readable only on drop). */
export function carriesSelection(data: Pick<DataTransfer, 'types'> | null): boolean {
  return data !== null && Array.from(data.types).includes(selectionMime);
}

/** The selection a drop carries, checked: anything else (a file, text, a forged shape) is null. */
export function readDragSelection(data: Pick<DataTransfer, 'getData'> | null): GallerySelection | null {
  const text = data?.getData(selectionMime);
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if ('ids' in value) {
    const { ids } = value;
    return Array.isArray(ids) && ids.length > 0 && ids.every((id) => Number.isInteger(id) && id > 0)
      ? { ids: ids as number[] }
      : null;
  }
  if (
    'query' in value &&
    typeof value.query === 'object' &&
    value.query !== null &&
    !Array.isArray(value.query)
  )
    // The server validates the filters themselves, as it does any search.
    return { query: value.query };
  return null;
}
