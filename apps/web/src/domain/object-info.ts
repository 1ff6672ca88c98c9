import type { Txt2ImgFeature } from '@atelier/contract';
import type { ComfyObjectInfo } from '../types/comfy';

/**
 * The node classes each txt2img add-on needs on the server, as packages/workflow's builder uses them
 * (txt2imgFeatureNodeClasses; a unit test keeps the two equal). The browser does not load that package.
 */
export const featureNodeClasses: Record<Txt2ImgFeature | 'loras', readonly string[]> = {
  loras: ['LoraLoader'],
  pag: ['PerturbedAttentionGuidance'],
  deepshrink: ['PatchModelAddDownscale'],
  detail_daemon: [
    'DetailDaemonSamplerNode',
    'SamplerCustomAdvanced',
    'RandomNoise',
    'CFGGuider',
    'KSamplerSelect',
    'BasicScheduler',
  ],
  split_sigmas: [
    'SplitSigmas',
    'DisableNoise',
    'SamplerCustomAdvanced',
    'RandomNoise',
    'CFGGuider',
    'KSamplerSelect',
    'BasicScheduler',
  ],
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The choices of a combo input (`[[...values], opts]`, or the newer `["COMBO", {options: [...]}]`),
 * looked up in required then optional inputs; [] when the class or input is missing.
 */
export function comboOptions(objectInfo: ComfyObjectInfo, classType: string, input: string): string[] {
  const node = objectInfo[classType];
  if (!isRecord(node) || !isRecord(node.input)) return [];
  for (const section of ['required', 'optional'] as const) {
    const inputs = node.input[section];
    if (!isRecord(inputs) || !Array.isArray(inputs[input])) continue;
    const [type, opts] = inputs[input] as unknown[];
    const values = Array.isArray(type)
      ? type
      : type === 'COMBO' && isRecord(opts) && Array.isArray(opts.options)
        ? opts.options
        : [];
    return values.filter((v): v is string => typeof v === 'string');
  }
  return [];
}

export const hasNodeClasses = (objectInfo: ComfyObjectInfo, classes: readonly string[]) =>
  classes.every((name) => isRecord(objectInfo[name]));

/** What the Generate form can offer on this server. */
export interface ComfyCatalog {
  checkpoints: string[];
  samplers: string[];
  schedulers: string[];
  loras: string[];
  /** Add-ons whose node classes all exist. */
  features: Txt2ImgFeature[];
  canUseLoras: boolean;
  nodeClassCount: number;
}

export function readCatalog(objectInfo: ComfyObjectInfo): ComfyCatalog {
  const features = (['pag', 'deepshrink', 'detail_daemon', 'split_sigmas'] as const).filter((feature) =>
    hasNodeClasses(objectInfo, featureNodeClasses[feature]),
  );
  return {
    checkpoints: comboOptions(objectInfo, 'CheckpointLoaderSimple', 'ckpt_name'),
    samplers: comboOptions(objectInfo, 'KSampler', 'sampler_name'),
    schedulers: comboOptions(objectInfo, 'KSampler', 'scheduler'),
    loras: comboOptions(objectInfo, 'LoraLoader', 'lora_name'),
    features,
    canUseLoras: hasNodeClasses(objectInfo, featureNodeClasses.loras),
    nodeClassCount: Object.keys(objectInfo).length,
  };
}

/** The class_type of a node of a queued API-format prompt, for "Running KSampler". */
export function nodeClassOf(
  workflow: Record<string, unknown> | null | undefined,
  nodeId: string,
): string | null {
  const node = workflow?.[nodeId];
  return isRecord(node) && typeof node.class_type === 'string' ? node.class_type : null;
}
