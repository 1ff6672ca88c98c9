/** The slice of a uniform grid that is on screen: only those rows are rendered. */
export interface GridWindowInput {
  count: number;
  /** Inner width of the grid (px). */
  width: number;
  minTileWidth: number;
  gap: number;
  /** How far the viewport's top is below the grid's top (negative while the grid is below it). */
  scrollTop: number;
  viewportHeight: number;
  /** Rows rendered beyond each edge, so fast scrolling and Tab never meet a gap. */
  overscanRows: number;
}

export interface GridWindow {
  columns: number;
  tileSize: number;
  rowHeight: number;
  rowCount: number;
  totalHeight: number;
  firstRow: number;
  /** Items [start, end) are rendered. */
  start: number;
  end: number;
  offsetY: number;
}

export function computeGridWindow(input: GridWindowInput): GridWindow {
  const { count, gap, overscanRows } = input;
  const width = Math.max(input.width, input.minTileWidth);
  const columns = Math.max(1, Math.floor((width + gap) / (input.minTileWidth + gap)));
  const tileSize = (width - gap * (columns - 1)) / columns;
  const rowHeight = tileSize + gap;
  const rowCount = Math.ceil(count / columns);
  const totalHeight = Math.max(0, rowCount * rowHeight - gap);
  const visibleTop = Math.max(0, input.scrollTop);
  const visibleBottom = Math.max(0, input.scrollTop + input.viewportHeight);
  const firstRow = Math.max(0, Math.floor(visibleTop / rowHeight) - overscanRows);
  const lastRow = Math.min(rowCount, Math.ceil(visibleBottom / rowHeight) + overscanRows);
  const start = Math.min(count, firstRow * columns);
  const end = Math.min(count, Math.max(start, lastRow * columns));
  return {
    columns,
    tileSize,
    rowHeight,
    rowCount,
    totalHeight,
    firstRow,
    start,
    end,
    offsetY: firstRow * rowHeight,
  };
}
