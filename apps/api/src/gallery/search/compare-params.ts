import {
  comparedParams,
  type ComparedParam,
  type GalleryComparison,
  type GallerySearchItem,
} from '@atelier/contract';
import { isDeepStrictEqual } from 'node:util';

/** Each compared parameter of an image, by name. */
function valuesOf(item: GallerySearchItem): Record<ComparedParam, unknown> {
  const { params } = item;
  return {
    positive: params.positive,
    negative: params.negative,
    checkpoint: params.checkpoint,
    loras: params.loras,
    sampler: params.sampler,
    scheduler: params.scheduler,
    steps: params.steps,
    cfg: params.cfg,
    seed: params.seed,
    denoise: params.denoise,
    width: params.width,
    height: params.height,
    template_id: params.template_id,
    template_version: params.template_version,
    backend: params.backend,
    owner: item.created_by.username,
    // A set: the same tags given in another order are not a difference.
    tags: [...item.tags].sort(),
    rating: item.rating,
  };
}

/** An N-way diff: the parameters every image has alike, and for the others one value per image. */
export function compareParams(items: readonly GallerySearchItem[]): GalleryComparison {
  const values = items.map(valuesOf);
  const comparison: GalleryComparison = { ids: items.map((item) => item.id), shared: {}, varies: {} };
  for (const param of comparedParams) {
    const column = values.map((row) => row[param]);
    if (column.every((value) => isDeepStrictEqual(value, column[0]))) comparison.shared[param] = column[0];
    else comparison.varies[param] = column;
  }
  return comparison;
}
