import type { SweepAxis, SweepBase, SweepResponse } from '@atelier/contract';
import { describeAxes } from './sweep-axes.js';
import type { SweepEntity } from './sweep.entity.js';
import type { SweepCellRow } from './sweeps.repository.js';

/** A sweep as GET /api/comfy/sweeps/:id answers it: its axes with labels, and every cell with its job's state. */
export function toSweepResponse(
  sweep: SweepEntity & { owner?: { username: string } | null },
  request: { base: SweepBase; axes: SweepAxis[] },
  cells: readonly SweepCellRow[],
): SweepResponse {
  return {
    sweep_id: sweep.id,
    owner: { id: sweep.ownerId, username: sweep.owner?.username ?? '' },
    created_at: sweep.createdAt.toISOString(),
    base: request.base,
    ...describeAxes(request.axes),
    cells: cells.map((cell) => ({
      x: cell.x,
      y: cell.y,
      z: cell.z,
      prompt_id: cell.promptId,
      status: cell.status,
      images: cell.images,
      error: cell.error,
      params: cell.params,
    })),
  };
}
