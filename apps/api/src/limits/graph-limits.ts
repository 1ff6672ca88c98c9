import type { CapErrorDetails, CapName, RoleLimits } from '@atelier/contract';
import type { ApiPrompt } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';

/** Latent makers (EmptyLatentImage, EmptySD3LatentImage, …): their width × height is the image's size. */
const latentSource = /^Empty.*Latent/;

interface Violation {
  cap: CapName;
  limit: number;
  value: number;
  field: string;
}

const capLabel: Partial<Record<CapName, string>> = {
  max_steps: 'sampler steps',
  max_pixels: 'pixels (width × height)',
  max_batch_size: 'images per batch',
};

/**
 * A role's value limits on one graph, for any node of any route: `steps` and `batch_size` inputs, and
 * width × height of latent makers. A limit of 0 means the role may not run such graphs at all (403
 * comfy.not_allowed, checked first); a value above the limit is 400 comfy.limit_exceeded. Both name
 * the cap, the limit, the value and where (`<node id>.inputs.<input>`).
 */
export function assertWithinRoleLimits(prompt: ApiPrompt, limits: Readonly<RoleLimits>): void {
  const violations: Violation[] = [];
  const check = (cap: 'max_steps' | 'max_pixels' | 'max_batch_size', value: number, field: string) => {
    const limit = limits[cap];
    if (limit !== null && (limit === 0 || value > limit)) violations.push({ cap, limit, value, field });
  };
  for (const [nodeId, node] of Object.entries(prompt)) {
    const { steps, batch_size: batchSize, width, height } = node.inputs;
    if (typeof steps === 'number') check('max_steps', steps, `${nodeId}.inputs.steps`);
    if (typeof batchSize === 'number') check('max_batch_size', batchSize, `${nodeId}.inputs.batch_size`);
    if (latentSource.test(node.class_type) && typeof width === 'number' && typeof height === 'number')
      check('max_pixels', width * height, `${nodeId}.inputs.width`);
  }
  const refused = violations.find((v) => v.limit === 0);
  const first = refused ?? violations[0];
  if (!first) return;
  const details: CapErrorDetails = { ...first };
  const what = capLabel[first.cap] ?? first.cap;
  if (refused) throw new AppError('comfy.not_allowed', `Your role may not run graphs with ${what}`, details);
  throw new AppError(
    'comfy.limit_exceeded',
    `Your role may use at most ${first.limit} ${what}; ${first.field} asks for ${first.value}`,
    details,
  );
}
