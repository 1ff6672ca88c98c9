import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { JobOutputs } from '../comfy/job-outputs.js';
import { renderContactSheet } from './contact-sheet.js';
import { describeAxes } from './sweep-axes.js';
import { SweepsRepository } from './sweeps.repository.js';
import { SweepsService } from './sweeps.service.js';

/** Images fetched from ComfyUI at once for one sheet (a 16 × 16 page is 256 views). */
const fetchConcurrency = 4;

/** GET /api/comfy/sweeps/:id/contact-sheet.png: one Z page of a sweep as one labelled image. */
@Injectable()
export class SweepSheets {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly repository: SweepsRepository,
    private readonly outputs: JobOutputs,
  ) {}

  async png(user: AuthUser, id: string, z: number): Promise<Buffer> {
    const sweep = await this.sweeps.visible(user, id);
    const { axes, shape } = describeAxes(sweep.request.axes);
    if (z >= shape[2]) {
      throw new AppError('validation_failed', `This sweep has ${shape[2]} Z page(s)`, {
        z: [`must be below ${shape[2]}`],
      });
    }
    const cells = (await this.repository.cells(sweep.id)).filter((cell) => cell.z === z);
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
