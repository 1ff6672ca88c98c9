import { describe, expect, it } from 'vitest';
import { applyPick, matchingQuery, pickModifiers, selectionParams, toSelection } from './gallery-pick';

const order = [10, 11, 12, 13, 14, 15];
const plain = { isRange: false, isToggle: false };
const toggle = { isRange: false, isToggle: true };
const range = { isRange: true, isToggle: false };

describe('applyPick', () => {
  it('a plain pick selects only that tile and anchors there', () => {
    expect(applyPick({ ids: [10, 11], anchor: 10 }, order, 3, plain)).toEqual({ ids: [13], anchor: 13 });
  });

  it('Ctrl/Cmd toggles one tile, keeping the others', () => {
    const once = applyPick({ ids: [10], anchor: 10 }, order, 2, toggle);
    expect(once).toEqual({ ids: [10, 12], anchor: 12 });
    expect(applyPick(once, order, 0, toggle)).toEqual({ ids: [12], anchor: 10 });
  });

  it('Shift adds the range from the anchor, in either direction, without duplicates', () => {
    const forward = applyPick({ ids: [11], anchor: 11 }, order, 4, range);
    expect(forward).toEqual({ ids: [11, 12, 13, 14], anchor: 11 });
    const backward = applyPick({ ids: [14], anchor: 14 }, order, 1, range);
    expect([...backward.ids].sort()).toEqual([11, 12, 13, 14]);
    expect(backward.anchor).toBe(14);
  });

  it('Shift without an anchor in view toggles the one tile', () => {
    expect(applyPick({ ids: [], anchor: null }, order, 2, range)).toEqual({ ids: [12], anchor: 12 });
    expect(applyPick({ ids: [99], anchor: 99 }, order, 2, range)).toEqual({ ids: [99, 12], anchor: 12 });
  });

  it('an index outside the grid changes nothing', () => {
    const state = { ids: [10], anchor: 10 };
    expect(applyPick(state, order, 17, toggle)).toBe(state);
    expect(applyPick(state, order, -1, plain)).toBe(state);
  });

  it('reads Cmd as Ctrl', () => {
    expect(pickModifiers({ shiftKey: false, ctrlKey: false, metaKey: true })).toEqual(toggle);
    expect(pickModifiers({ shiftKey: true, ctrlKey: false, metaKey: false })).toEqual(range);
  });
});

describe('all matching', () => {
  it('keeps the filters of a search and drops order and stacking', () => {
    expect(
      matchingQuery({ q: 'cat', sort: 'oldest', stacks: false, seed_order: 4, board: 3, tag: undefined }),
    ).toEqual({
      q: 'cat',
      board: 3,
    });
  });

  it('sends the query, never ids, and exports it as search parameters', () => {
    const selection = toSelection([1, 2], { q: 'cat', has_workflow: true });
    expect(selection).toEqual({ query: { q: 'cat', has_workflow: true } });
    expect(selectionParams(selection).toString()).toBe('q=cat&has_workflow=1');
    expect(selectionParams(toSelection([3, 1], null)).toString()).toBe('ids=3%2C1');
  });
});
