/**
 * A sampler's own settings, wherever the graph keeps them: KSampler and KSamplerAdvanced hold them as widgets; the
 * custom-sampling family spreads them over RandomNoise (seed), a guider (cfg, conditioning, model), KSamplerSelect
 * (sampler name) and a scheduler node (scheduler, steps, denoise).
 */
import {
  inputOf,
  maxDepth,
  nameInput,
  numberInput,
  type GraphNode,
  type GraphReader,
} from './graph-reader.js';

export interface SamplerSettings {
  sampler: string | null;
  scheduler: string | null;
  steps: number | null;
  cfg: number | null;
  seed: number | null;
  denoise: number | null;
  /** The link values of the conditioning, model and latent the sampler (or its guider) reads. */
  positive: unknown;
  negative: unknown;
  model: unknown;
  latent: unknown;
}

/** Sigma schedulers whose node class names the schedule instead of a `scheduler` widget. */
const schedulerByClass = new Map([
  ['KarrasScheduler', 'karras'],
  ['ExponentialScheduler', 'exponential'],
  ['PolyexponentialScheduler', 'polyexponential'],
  ['BetaSamplingScheduler', 'beta'],
  ['LaplaceScheduler', 'laplace'],
  ['VPScheduler', 'vp'],
  ['SDTurboScheduler', 'sd_turbo'],
  ['AlignYourStepsScheduler', 'align_your_steps'],
  ['GITSScheduler', 'gits'],
  ['OptimalStepsScheduler', 'optimal_steps'],
]);

/** Follows `through` from `start` until a node satisfies `found` (wrappers such as Detail Daemon, SplitSigmas). */
function findAlong(
  reader: GraphReader,
  start: unknown,
  through: string,
  found: (node: GraphNode) => boolean,
): GraphNode | null {
  const seen = new Set<string>();
  let linked = reader.follow(start);
  for (let depth = 0; linked && depth < maxDepth && !seen.has(linked.node.id); depth += 1) {
    if (found(linked.node)) return linked.node;
    seen.add(linked.node.id);
    linked = reader.follow(inputOf(linked.node, through));
  }
  return null;
}

function first<T>(...values: (T | null)[]): T | null {
  return values.find((value) => value !== null) ?? null;
}

/**
 * KSamplerAdvanced has no denoise: it runs steps start_at_step…end_at_step of `steps`. Starting at 0 with fresh
 * noise is a full denoise; a later start is a partial one whose strength the graph does not state exactly.
 */
function advancedDenoise(node: GraphNode): number | null {
  const start = numberInput(node, 'start_at_step');
  if (start === null) return null;
  return start === 0 && inputOf(node, 'add_noise') !== 'disable' ? 1 : null;
}

export function readSamplerSettings(reader: GraphReader, node: GraphNode): SamplerSettings {
  const settings: SamplerSettings = {
    sampler: nameInput(node, 'sampler_name'),
    scheduler: nameInput(node, 'scheduler'),
    steps: numberInput(node, 'steps'),
    cfg: numberInput(node, 'cfg'),
    seed: first(numberInput(node, 'seed'), numberInput(node, 'noise_seed')),
    denoise: first(numberInput(node, 'denoise'), advancedDenoise(node)),
    positive: inputOf(node, 'positive'),
    negative: inputOf(node, 'negative'),
    model: inputOf(node, 'model'),
    latent: inputOf(node, 'latent_image'),
  };
  const guider = reader.input(node, 'guider')?.node;
  if (guider) {
    // CFGGuider, BasicGuider (no CFG: Flux-style), DualCFGGuider (cfg_conds, cond1/cond2), PerpNegGuider.
    settings.cfg ??= first(numberInput(guider, 'cfg'), numberInput(guider, 'cfg_conds'));
    settings.positive ??= [
      inputOf(guider, 'positive'),
      inputOf(guider, 'conditioning'),
      inputOf(guider, 'cond1'),
    ].find((value) => value !== undefined);
    settings.negative ??= inputOf(guider, 'negative');
    settings.model ??= inputOf(guider, 'model');
  }
  const noise = reader.input(node, 'noise')?.node;
  if (noise) settings.seed ??= first(numberInput(noise, 'noise_seed'), numberInput(noise, 'seed'));
  const samplerNode = findAlong(
    reader,
    inputOf(node, 'sampler'),
    'sampler',
    (n) => nameInput(n, 'sampler_name') !== null,
  );
  if (samplerNode) settings.sampler ??= nameInput(samplerNode, 'sampler_name');
  const schedule = findAlong(
    reader,
    inputOf(node, 'sigmas'),
    'sigmas',
    (n) => numberInput(n, 'steps') !== null || nameInput(n, 'scheduler') !== null,
  );
  if (schedule) {
    settings.scheduler ??=
      nameInput(schedule, 'scheduler') ?? schedulerByClass.get(schedule.classType) ?? null;
    settings.steps ??= numberInput(schedule, 'steps');
    settings.denoise ??= numberInput(schedule, 'denoise');
  }
  return settings;
}
