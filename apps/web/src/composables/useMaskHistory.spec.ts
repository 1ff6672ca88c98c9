import { describe, expect, it } from 'vitest';
import { useMaskHistory } from './useMaskHistory';

const pixels = (...values: number[]) => Uint8Array.from(values);

describe('useMaskHistory', () => {
  it('undoes and redoes changes in order', () => {
    const history = useMaskHistory();
    let mask: Uint8Array = pixels(0, 0);
    expect(history.canUndo.value).toBe(false);

    history.record(mask);
    mask = pixels(255, 0);
    history.record(mask);
    mask = pixels(255, 255);

    mask = history.undo(mask) ?? mask;
    expect(Array.from(mask)).toEqual([255, 0]);
    mask = history.undo(mask) ?? mask;
    expect(Array.from(mask)).toEqual([0, 0]);
    expect(history.canUndo.value).toBe(false);
    expect(history.undo(mask)).toBeNull();

    expect(history.canRedo.value).toBe(true);
    mask = history.redo(mask) ?? mask;
    expect(Array.from(mask)).toEqual([255, 0]);
    mask = history.redo(mask) ?? mask;
    expect(Array.from(mask)).toEqual([255, 255]);
    expect(history.redo(mask)).toBeNull();
  });

  it('keeps copies, so painting on after recording does not change the past', () => {
    const history = useMaskHistory();
    const mask = pixels(0);
    history.record(mask);
    mask[0] = 255;
    expect(Array.from(history.undo(mask) ?? [])).toEqual([0]);
  });

  it('forgets what could be redone once something new is painted', () => {
    const history = useMaskHistory();
    history.record(pixels(0));
    history.undo(pixels(1));
    expect(history.canRedo.value).toBe(true);
    history.record(pixels(0));
    expect(history.canRedo.value).toBe(false);
  });

  it('drops the oldest steps beyond its count and byte caps', () => {
    const byCount = useMaskHistory({ limit: 3 });
    for (let i = 0; i < 5; i++) byCount.record(pixels(i));
    const undone: number[] = [];
    let current: Uint8Array = pixels(5);
    for (let step = byCount.undo(current); step; step = byCount.undo(current)) {
      undone.push(step[0]!);
      current = step;
    }
    expect(undone).toEqual([4, 3, 2]);

    const byBytes = useMaskHistory({ maxBytes: 2_000 });
    for (let i = 0; i < 4; i++) byBytes.record(new Uint8Array(1_000).fill(i));
    expect(byBytes.undo(new Uint8Array(1_000))?.[0]).toBe(3);
    expect(byBytes.undo(new Uint8Array(1_000))?.[0]).toBe(2);
    expect(byBytes.canUndo.value).toBe(false);
  });

  it('takes back a cancelled change without making it redoable', () => {
    const history = useMaskHistory();
    history.record(pixels(0));
    expect(Array.from(history.cancel() ?? [])).toEqual([0]);
    expect(history.canUndo.value).toBe(false);
    expect(history.canRedo.value).toBe(false);
    expect(history.cancel()).toBeNull();
  });

  it('starts over for a new image', () => {
    const history = useMaskHistory();
    history.record(pixels(0));
    history.reset();
    expect(history.canUndo.value).toBe(false);
    expect(history.canRedo.value).toBe(false);
  });
});
