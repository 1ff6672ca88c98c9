import { describe, expect, it } from 'vitest';
import { computeGridWindow } from './grid-window';

const base = { width: 1000, minTileWidth: 180, gap: 12, viewportHeight: 800, overscanRows: 2 };

describe('computeGridWindow', () => {
  it('fits as many columns as the minimum tile allows', () => {
    const grid = computeGridWindow({ ...base, count: 100, scrollTop: 0 });
    expect(grid.columns).toBe(5);
    expect(grid.tileSize).toBeCloseTo((1000 - 4 * 12) / 5);
    expect(grid.rowCount).toBe(20);
  });

  it('renders only the rows around the viewport, however long the list', () => {
    const count = 100_000;
    const top = computeGridWindow({ ...base, count, scrollTop: 0 });
    expect(top.start).toBe(0);
    expect(top.end - top.start).toBeLessThanOrEqual(5 * 8);
    const row = top.rowHeight;
    const middle = computeGridWindow({ ...base, count, scrollTop: row * 10_000 });
    expect(middle.firstRow).toBe(10_000 - 2);
    expect(middle.start).toBe((10_000 - 2) * 5);
    expect(middle.offsetY).toBeCloseTo((10_000 - 2) * row);
    expect(middle.end - middle.start).toBeLessThanOrEqual(5 * 9);
    expect(middle.totalHeight).toBeCloseTo(20_000 * row - 12);
  });

  it('clamps at the end and before the grid is reached', () => {
    const end = computeGridWindow({ ...base, count: 12, scrollTop: 99_999 });
    expect(end.end).toBe(12);
    expect(end.start).toBeLessThanOrEqual(12);
    const below = computeGridWindow({ ...base, count: 1000, scrollTop: -5000 });
    expect(below.start).toBe(0);
    expect(below.end).toBe(10);
  });
});
