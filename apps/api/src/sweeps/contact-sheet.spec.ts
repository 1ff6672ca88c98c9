import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderContactSheet, sheet, sheetSize } from './contact-sheet.js';
import { drawable, fitText, textPath, textWidth } from './label-glyphs.js';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
  ];
  const lit = (x0: number, y0: number, x1: number, y1: number) => {
    let count = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((at(x, y)[0] ?? 0) > 200) count++;
    return count;
  };
  return { info, at, lit };
}

describe('the label font', () => {
  it('draws what it knows, folds case, and marks the rest', () => {
    expect(drawable('Euler a_2.5')).toBe('EULER A_2.5');
    expect(drawable('naïve→')).toBe('NA?VE?');
    expect(textWidth('AB', 2)).toBe((2 * 6 - 1) * 2);
    expect(fitText('dpmpp_2m_sde_gpu', 8)).toBe('dpmpp_..');
    expect(fitText('euler', 8)).toBe('euler');
    // "I" is 11 lit pixels in 7 runs: one path segment per run.
    expect(textPath('I', 0, 0, 1).match(/M/g)).toHaveLength(7);
    expect(textPath(' ', 0, 0, 1)).toBe('');
  });
});

describe('renderContactSheet', () => {
  it('puts each image in its cell, placeholders elsewhere, and labels in their bands', async () => {
    const blue = await sharp({ create: { width: 40, height: 80, channels: 3, background: '#2050d0' } })
      .png()
      .toBuffer();
    const png = await renderContactSheet({
      title: 'X: CFG   Y: SAMPLER',
      columns: ['3', '6'],
      rows: ['euler', 'ddim'],
      cells: [
        { x: 0, y: 0, image: blue, status: 'succeeded' },
        { x: 1, y: 0, image: null, status: 'failed' },
        { x: 0, y: 1, image: Buffer.from('not an image'), status: 'succeeded' },
        { x: 1, y: 1, image: null, status: 'running' },
      ],
    });
    const { info, at, lit } = await pixels(png);
    expect({ width: info.width, height: info.height }).toEqual(sheetSize(2, 2, true));
    expect(sheetSize(2, 2, true)).toEqual({ width: 172 + 160 + 4 + 160 + 8, height: 56 + 160 + 4 + 160 + 8 });
    const cell = (x: number, y: number) => ({
      left: sheet.rowLabels + x * (sheet.cell + sheet.gap),
      top: sheet.top + y * (sheet.cell + sheet.gap),
    });
    // The image, fitted (contain) in the middle of its square.
    const c00 = cell(0, 0);
    expect(at(c00.left + 80, c00.top + 80)).toEqual([0x20, 0x50, 0xd0]);
    // A failed cell's placeholder is red-brown; a running one grey; bytes that do not decode get a placeholder.
    const c10 = cell(1, 0);
    expect(at(c10.left + 4, c10.top + 4)).toEqual([0x5a, 0x20, 0x20]);
    const c11 = cell(1, 1);
    expect(at(c11.left + 4, c11.top + 4)).toEqual([0x2a, 0x2a, 0x2a]);
    const c01 = cell(0, 1);
    expect(at(c01.left + 4, c01.top + 4)).toEqual([0x2a, 0x2a, 0x2a]);
    // Placeholders name the state in the middle of the cell.
    expect(lit(c10.left, c10.top + 60, c10.left + 160, c10.top + 100)).toBeGreaterThan(20);
    // Title, column labels and row labels are lit pixels (drawn as paths, no fonts needed).
    expect(lit(0, 0, info.width, 28)).toBeGreaterThan(50);
    expect(lit(c00.left, 28, c00.left + 160, 56)).toBeGreaterThan(5);
    expect(lit(0, c00.top, 172, c00.top + 160)).toBeGreaterThan(20);
    // Nothing is drawn in the gaps.
    expect(lit(c00.left + 160, sheet.top, c00.left + 164, info.height)).toBe(0);
  });

  it('has no row label column for a one-axis sweep', async () => {
    const png = await renderContactSheet({
      title: 'X: SEED',
      columns: ['1', '2', '3'],
      rows: [],
      cells: [{ x: 0, y: 0, image: null, status: 'waiting' }],
    });
    const { width, height } = await sharp(png).metadata();
    expect({ width, height }).toEqual({ width: 8 + 3 * 164 - 4 + 8, height: 56 + 160 + 8 });
  });
});
