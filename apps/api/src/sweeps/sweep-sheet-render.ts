import { Injectable } from '@nestjs/common';
import { JobOutputs } from '../comfy/job-outputs.js';
import { renderContactSheet } from './contact-sheet.js';
import { describeAxes } from './sweep-axes.js';
import type { SweepEntity } from './sweep.entity.js';
import type { SweepCellRow } from './sweeps.repository.js';

/** Images fetched from ComfyUI at once for one sheet (a 16 × 16 page is 256 views). */
const fetchConcurrency = 4;

/**
 * Draws one Z page of a sweep as one labelled PNG from its cells as read: the costly part (every cell's
 * image fetched from ComfyUI, then composed), which SweepSheets runs once per state of the page.
 */
@Injectable()
export class SweepSheetRenderer {
  constructor(private readonly outputs: JobOutputs) {}

  async render(
    sweep: Pick<SweepEntity, 'request'>,
    z: number,
    cells: readonly SweepCellRow[],
  ): Promise<Buffer> {
    const { axes, shape } = describeAxes(sweep.request.axes);
    const images = await mapLimited(cells, fetchConcurrency, async (cell) => {
      const ref = cell.status === 'succeeded' ? cell.images[0] : undefined;
      // A cell whose image ComfyUI no longer has (or cannot send) gets a placeholder, not a failed sheet.
      return ref ? this.outputs.fetchImage(ref).catch(() => null) : null;
    });
    const title = axes
      .map((axis, i) => {
        const name = `${'XYZ'[i]}: ${axis.title}`;
        return i === 2 ? `${name} ${axis.labels[z] ?? ''} (${z + 1}/${shape[2]})` : name;
      })
      .join('   ');
    return renderContactSheet({
      title,
      columns: axes[0]?.labels ?? [''],
      rows: axes[1]?.labels ?? [],
      cells: cells.map((cell, i) => ({
        x: cell.x,
        y: cell.y,
        image: images[i] ?? null,
        status: cell.status === 'succeeded' ? 'no image' : cell.status,
      })),
    });
  }
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
