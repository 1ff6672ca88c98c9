import sharp, { type OverlayOptions } from 'sharp';
import { fitText, glyphHeight, textPath, textWidth } from './label-glyphs.js';

/** One Z page of a sweep, ready to draw: labels and, per cell, its image's bytes or why there is none. */
export interface ContactSheetPage {
  /** The line above the grid, e.g. `X: CFG  Y: SAMPLER  Z: SEED 42 (1/3)`. */
  title: string;
  columns: string[];
  /** Empty for a one-axis sweep (one row, no row labels). */
  rows: string[];
  cells: { x: number; y: number; image: Buffer | null; status: string }[];
}

/**
 * Geometry, in pixels: cells of 160 × 160 with 4 between them; the title band and the column labels above
 * (56), the row labels to the left (172, or 8 without a Y axis), an 8-pixel margin right and below.
 */
export const sheet = {
  cell: 160,
  gap: 4,
  margin: 8,
  top: 56,
  rowLabels: 172,
  scale: 2,
} as const;

const background = '#111111';
const ink = '#eeeeee';
const placeholderFill: Record<string, string> = {
  failed: '#5a2020',
  lost: '#5a2020',
  interrupted: '#4a3a20',
};
/** A pixel bomb among the outputs must not take the API down (a cell is at most a few megapixels). */
const maxInputPixels = 64_000_000;

export function sheetSize(
  columns: number,
  rows: number,
  hasRowLabels: boolean,
): { width: number; height: number } {
  const left = hasRowLabels ? sheet.rowLabels : sheet.margin;
  return {
    width: left + columns * (sheet.cell + sheet.gap) - sheet.gap + sheet.margin,
    height: sheet.top + Math.max(1, rows) * (sheet.cell + sheet.gap) - sheet.gap + sheet.margin,
  };
}

/** A PNG of the page: each finished cell's first image fitted into its square, placeholders elsewhere, all labelled. */
export async function renderContactSheet(page: ContactSheetPage): Promise<Buffer> {
  const hasRowLabels = page.rows.length > 0;
  const { width, height } = sheetSize(page.columns.length, page.rows.length, hasRowLabels);
  const left = hasRowLabels ? sheet.rowLabels : sheet.margin;
  const cellAt = (x: number, y: number) => ({
    left: left + x * (sheet.cell + sheet.gap),
    top: sheet.top + y * (sheet.cell + sheet.gap),
  });
  const s = sheet.scale;
  const lineHeight = glyphHeight * s;
  const fitCell = Math.floor((sheet.cell + s) / (6 * s));
  const text: string[] = [
    textPath(fitText(page.title, Math.floor((width - 2 * sheet.margin + s) / (6 * s))), sheet.margin, 8, s),
  ];
  page.columns.forEach((label, x) => {
    const shown = fitText(label, fitCell);
    const at = cellAt(x, 0);
    text.push(
      textPath(shown, at.left + (sheet.cell - textWidth(shown, s)) / 2, sheet.top - lineHeight - 8, s),
    );
  });
  page.rows.forEach((label, y) => {
    const shown = fitText(label, Math.floor((sheet.rowLabels - 2 * sheet.margin + s) / (6 * s)));
    text.push(textPath(shown, sheet.margin, cellAt(0, y).top + (sheet.cell - lineHeight) / 2, s));
  });
  const boxes: string[] = [];
  const images: OverlayOptions[] = [];
  for (const cell of page.cells) {
    const at = cellAt(cell.x, cell.y);
    const thumb = cell.image ? await fitted(cell.image) : null;
    if (thumb) {
      images.push({ input: thumb, left: at.left, top: at.top });
      continue;
    }
    const fill = placeholderFill[cell.status] ?? '#2a2a2a';
    boxes.push(
      `<rect x="${at.left}" y="${at.top}" width="${sheet.cell}" height="${sheet.cell}" fill="${fill}"/>`,
    );
    const label = fitText(cell.status, fitCell);
    const tx = at.left + (sheet.cell - textWidth(label, s)) / 2;
    text.push(textPath(label, tx, at.top + (sheet.cell - lineHeight) / 2, s));
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `${boxes.join('')}<path fill="${ink}" d="${text.join('')}"/></svg>`;
  return sharp({ create: { width, height, channels: 3, background } })
    .composite([{ input: Buffer.from(svg), left: 0, top: 0 }, ...images])
    .png()
    .toBuffer();
}

/** The image contained in a cell's square; null when its bytes do not decode (the cell gets a placeholder). */
async function fitted(bytes: Buffer): Promise<Buffer | null> {
  try {
    return await sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error' })
      .resize(sheet.cell, sheet.cell, { fit: 'contain', background })
      .flatten({ background })
      .png({ compressionLevel: 1 })
      .toBuffer();
  } catch {
    return null;
  }
}
