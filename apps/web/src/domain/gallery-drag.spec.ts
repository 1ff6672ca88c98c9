import { describe, expect, it } from 'vitest';
import { carriesSelection, readDragSelection, selectionMime, writeDragSelection } from './gallery-drag';

function fakeTransfer() {
  const store = new Map<string, string>();
  return {
    effectAllowed: 'all',
    get types() {
      return [...store.keys()];
    },
    setData: (type: string, value: string) => void store.set(type, value),
    getData: (type: string) => store.get(type) ?? '',
  };
}

describe('dragging images onto a board', () => {
  it('carries ids or a search, and reads them back', () => {
    const ids = fakeTransfer();
    writeDragSelection(ids, { ids: [4, 2] });
    expect(carriesSelection(ids)).toBe(true);
    expect(ids.effectAllowed).toBe('copy');
    expect(readDragSelection(ids)).toEqual({ ids: [4, 2] });
    const query = fakeTransfer();
    writeDragSelection(query, { query: { q: 'cat', board: 2 } });
    expect(readDragSelection(query)).toEqual({ query: { q: 'cat', board: 2 } });
  });

  it('ignores drags from elsewhere and malformed data', () => {
    const other = fakeTransfer();
    other.setData('text/plain', 'hello');
    expect(carriesSelection(other)).toBe(false);
    expect(carriesSelection(null)).toBe(false);
    expect(readDragSelection(other)).toBeNull();
    for (const bad of ['{', '[]', '{"ids":[]}', '{"ids":[1.5]}', '{"ids":"1"}', '{"query":[1]}', 'null']) {
      other.setData(selectionMime, bad);
      expect(readDragSelection(other)).toBeNull();
    }
  });
});
