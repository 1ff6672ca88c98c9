import { describe, expect, it } from 'vitest';
import { dropIndex, moveIndex, positionTarget, reorder } from './queue-order';

describe('queue order', () => {
  it('moves up, down, to the top and to the bottom, and refuses moves off either end', () => {
    expect(moveIndex(4, 2, 'up')).toBe(1);
    expect(moveIndex(4, 2, 'down')).toBe(3);
    expect(moveIndex(4, 2, 'top')).toBe(0);
    expect(moveIndex(4, 2, 'bottom')).toBe(3);
    expect(moveIndex(4, 0, 'up')).toBeNull();
    expect(moveIndex(4, 0, 'top')).toBeNull();
    expect(moveIndex(4, 3, 'down')).toBeNull();
    expect(moveIndex(4, 3, 'bottom')).toBeNull();
    expect(moveIndex(1, 0, 'down')).toBeNull();
    expect(moveIndex(4, 7, 'up')).toBeNull();
  });

  it('reorders a copy and leaves the original alone', () => {
    const list = ['a', 'b', 'c', 'd'];
    expect(reorder(list, 3, 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(reorder(list, 0, 3)).toEqual(['b', 'c', 'd', 'a']);
    expect(reorder(list, 1, 2)).toEqual(['a', 'c', 'b', 'd']);
    expect(reorder(list, 1, 99)).toEqual(['a', 'c', 'd', 'b']);
    expect(list).toEqual(['a', 'b', 'c', 'd']);
  });

  it('drops before or after the job under the pointer, counting the gap the dragged job leaves', () => {
    const list = ['a', 'b', 'c', 'd'];
    // a dragged onto c's lower half lands after c.
    expect(reorder(list, 0, dropIndex(0, 2, true))).toEqual(['b', 'c', 'a', 'd']);
    // a dragged onto c's upper half lands before c.
    expect(reorder(list, 0, dropIndex(0, 2, false))).toEqual(['b', 'a', 'c', 'd']);
    // d dragged onto a's upper half becomes first.
    expect(reorder(list, 3, dropIndex(3, 0, false))).toEqual(['d', 'a', 'b', 'c']);
    // d dragged onto b's lower half lands after b.
    expect(reorder(list, 3, dropIndex(3, 1, true))).toEqual(['a', 'b', 'd', 'c']);
    // Dropped on itself: no move.
    expect(dropIndex(2, 2, false)).toBe(2);
    expect(dropIndex(2, 2, true)).toBe(2);
  });

  it('names the ends as top and bottom and other places by their 1-based position', () => {
    expect(positionTarget(0, 5)).toBe('top');
    expect(positionTarget(4, 5)).toBe('bottom');
    expect(positionTarget(1, 5)).toBe(2);
    expect(positionTarget(3, 5)).toBe(4);
  });
});
