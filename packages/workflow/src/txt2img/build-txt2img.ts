/**
 * Builds the API prompt of a text-to-image request: a template (a preset, or the built-in core graph) patched
 * through its parameter contract, names checked against object_info, then the requested add-ons wired in.
 */
import {
  txt2imgDefaults,
  txt2imgFeatures,
  txt2imgPresetKnobs,
  type Txt2ImgFeature,
  type Txt2ImgParams,
} from '@atelier/contract';

import type { ApiPrompt } from '../api-prompt.js';
import { hasOwn } from '../json.js';
import type { Template } from '../library/template.js';
import { hasNodeClass, listComboOptions, type ComboValue, type ObjectInfo } from '../object-info.js';
import { applyParams, type ParamSchema, type PatchTarget } from '../params/apply-params.js';
import { checkPromptAgainstObjectInfo, type PromptProblem } from '../prompt-check.js';
import { builtinTxt2ImgTemplate } from './default-graph.js';
import {
  chainLoras,
  patchSamplerModel,
  replaceWithCustomSampling,
  txt2imgFeatureNodeClasses,
} from './features.js';
import { nodesOfClass } from './graph-edit.js';
import {
  findLatentSlot,
  imageSourceNodeClasses,
  imageSourceOf,
  useImageSource,
  type ImageSource,
  type LatentSlot,
} from './image-source.js';
import { Txt2ImgBuildError, type Txt2ImgIssue } from './txt2img-error.js';
import type { CheckedTxt2ImgParams } from './txt2img-params.js';

export interface BuildTxt2ImgOptions {
  objectInfo: ObjectInfo;
  /**
   * The template to build from; when absent, `params.preset` is looked up among the `preset` templates of
   * `presets`, else `builtinTxt2ImgTemplate` is used.
   */
  template?: Template;
  presets?: readonly Template[];
  /** Random source in [0, 1) for the seed; default Math.random. */
  random?: () => number;
  /**
   * Whether an `image` / `mask` name may be used (e.g. "this user uploaded it"). Default: it must be in
   * LoadImage's list in object_info — which, in ComfyUI, holds only the top level of the input folder.
   */
  isKnownInputImage?: (name: string) => boolean;
}

export interface BuildTxt2ImgResult {
  prompt: ApiPrompt;
  /** The template it was built from (the ledger records its id and version). */
  template: Template;
  /** The seed used (drawn when the request had none). */
  seed: number;
  /** What ComfyUI would still reject (e.g. a preset node the server lacks); empty when the prompt fits. */
  problems: PromptProblem[];
}

type NamedKey = 'checkpoint' | 'sampler' | 'scheduler';
const namedKeys: readonly NamedKey[] = ['checkpoint', 'sampler', 'scheduler'];

interface Base {
  /** How messages name it: `preset "sample_basic_sdxl"`, `the basic graph`. */
  name: string;
  template: ApiPrompt;
  contract: ParamSchema;
  source: Template;
}

/** The image and mask must be known input files: by the caller's rule, else LoadImage's list. */
function checkInputImages(source: ImageSource, options: BuildTxt2ImgOptions, issues: Txt2ImgIssue[]): void {
  const listed = listComboOptions(options.objectInfo, 'LoadImage', 'image') ?? [];
  const isKnown = options.isKnownInputImage ?? ((name: string) => listed.includes(name));
  const allowed = options.isKnownInputImage ? [] : listed;
  const names: ['image' | 'mask', string | null][] = [
    ['image', source.image],
    ['mask', source.mask === source.image ? null : source.mask],
  ];
  for (const [param, value] of names) {
    if (value === null || isKnown(value)) continue;
    const message = `${param} "${value}" is not an uploaded input image`;
    issues.push({ kind: 'unknown_value', param, value, allowed, message });
  }
}

function baseOf(template: Template): Base {
  const name = template.source === 'builtin' ? 'the basic graph' : `${template.source} "${template.name}"`;
  return { name, template: template.prompt, contract: template.params, source: template };
}

function chooseBase(params: Txt2ImgParams, options: BuildTxt2ImgOptions): Base {
  if (options.template) return baseOf(options.template);
  const wanted = params.preset;
  if (wanted === undefined) return baseOf(builtinTxt2ImgTemplate);
  const presets = (options.presets ?? []).filter((template) => template.source === 'preset');
  const preset = presets.find((p) => p.name === wanted);
  if (preset) return baseOf(preset);
  throw new Txt2ImgBuildError([
    {
      kind: 'unknown_preset',
      preset: wanted,
      available: presets.map((p) => p.name),
      message: `there is no preset "${wanted}"`,
    },
  ]);
}

function firstTarget(contract: ParamSchema, key: string): PatchTarget | undefined {
  return hasOwn(contract.properties, key) ? contract.properties[key]?.['x-patch'][0] : undefined;
}

function requestedFeatures(params: Txt2ImgParams): (Txt2ImgFeature | 'loras')[] {
  const features: (Txt2ImgFeature | 'loras')[] = params.loras?.length ? ['loras'] : [];
  return [...features, ...txt2imgFeatures.filter((feature) => params[feature] === true)];
}

/** Checkpoint, sampler and scheduler: the requested one must be offered; else the template's, else the first offered. */
function resolveNames(base: Base, request: Txt2ImgParams, objectInfo: ObjectInfo, issues: Txt2ImgIssue[]) {
  const resolved: Partial<Record<NamedKey, ComboValue>> = {};
  for (const key of namedKeys) {
    const target = firstTarget(base.contract, key);
    const node = target ? base.template[target.node] : undefined;
    const allowed = target && node ? listComboOptions(objectInfo, node.class_type, target.input) : null;
    if (!target || !allowed) continue;
    const requested = request[key];
    if (requested !== undefined) {
      if (!allowed.includes(requested)) {
        const message = `${key} "${requested}" is not offered by the server`;
        issues.push({ kind: 'unknown_value', param: key, value: requested, allowed, message });
      }
      continue;
    }
    const current = node?.inputs[target.input] as ComboValue;
    const fallback = allowed.includes(current) ? current : allowed[0];
    if (fallback === undefined) {
      issues.push({
        kind: 'unknown_value',
        param: key,
        value: null,
        allowed,
        message: `the server offers no ${key}`,
      });
    } else resolved[key] = fallback;
  }
  return resolved;
}

function checkLoras(loras: string[], objectInfo: ObjectInfo, issues: Txt2ImgIssue[]): void {
  const allowed = listComboOptions(objectInfo, 'LoraLoader', 'lora_name');
  // Without LoraLoader the feature check names the missing class.
  if (!allowed) return;
  for (const lora of loras) {
    if (allowed.includes(lora)) continue;
    const message = `LoRA "${lora}" is not offered by the server`;
    issues.push({ kind: 'unknown_value', param: 'loras', value: lora, allowed, message });
  }
}

function checkNodeClasses(
  base: Base,
  features: (Txt2ImgFeature | 'loras')[],
  source: ImageSource | null,
  objectInfo: ObjectInfo,
  issues: Txt2ImgIssue[],
): void {
  const needed = new Map<string, Txt2ImgFeature | 'loras' | 'base' | 'image'>();
  for (const node of Object.values(base.template))
    if (!needed.has(node.class_type)) needed.set(node.class_type, 'base');
  for (const feature of features) {
    for (const classType of txt2imgFeatureNodeClasses[feature])
      if (!needed.has(classType)) needed.set(classType, feature);
  }
  for (const classType of source ? imageSourceNodeClasses(source) : []) {
    if (!needed.has(classType)) needed.set(classType, 'image');
  }
  for (const [classType, feature] of needed) {
    if (hasNodeClass(objectInfo, classType)) continue;
    const who = feature === 'base' ? base.name : feature;
    const message = `${who} needs node class ${classType}, which the server lacks`;
    issues.push({ kind: 'missing_node_class', feature, classType, message });
  }
}

/**
 * Builds the prompt for POST /api/comfy/txt2img from parameters checked by `parseTxt2ImgParams`.
 *
 * @throws Txt2ImgBuildError for names the server does not offer (with the allowed ones), add-ons whose node
 * classes are missing (named), an unknown preset, or a preset that cannot take a parameter.
 */
export function buildTxt2ImgPrompt(
  request: CheckedTxt2ImgParams,
  options: BuildTxt2ImgOptions,
): BuildTxt2ImgResult {
  const { objectInfo } = options;
  const base = chooseBase(request, options);
  const features = requestedFeatures(request);
  const loras = request.loras ?? [];
  const issues: Txt2ImgIssue[] = [];
  const source = imageSourceOf(request);

  checkNodeClasses(base, features, source, objectInfo, issues);
  if (source) checkInputImages(source, options, issues);
  const seed = request.seed ?? Math.floor((options.random ?? Math.random)() * 2 ** 53);
  const values: Record<string, unknown> = {
    ...request,
    seed,
    ...resolveNames(base, request, objectInfo, issues),
  };
  checkLoras(loras, objectInfo, issues);

  for (const key of ['caption', 'seed'] as const) {
    if (!firstTarget(base.contract, key)) {
      issues.push({ kind: 'unsupported', param: key, message: `${base.name} has no "${key}" parameter` });
    }
  }
  const contractValues: Record<string, unknown> = {};
  for (const key of txt2imgPresetKnobs) {
    if (values[key] === undefined) continue;
    if (firstTarget(base.contract, key)) contractValues[key] = values[key];
    else if (request[key] !== undefined) {
      issues.push({ kind: 'unsupported', param: key, message: `${base.name} does not take "${key}"` });
    }
  }
  const checkpoints = nodesOfClass(base.template, 'CheckpointLoaderSimple');
  if (loras.length && checkpoints.length !== 1) {
    const message = `${base.name} has no single CheckpointLoaderSimple to chain LoRAs after`;
    issues.push({ kind: 'unsupported', param: 'loras', message });
  }
  const samplers = nodesOfClass(base.template, 'KSampler');
  for (const feature of features) {
    if (feature !== 'loras' && samplers.length !== 1) {
      issues.push({
        kind: 'unsupported',
        param: feature,
        message: `${base.name} has no single KSampler for ${feature}`,
      });
    }
  }
  let latentSlot: LatentSlot | null = null;
  if (source) {
    const [only] = samplers;
    const found =
      samplers.length === 1 && only ? findLatentSlot(base.template, only) : 'it has no single KSampler';
    if (typeof found === 'string') {
      issues.push({
        kind: 'unsupported',
        param: 'image',
        message: `${base.name} cannot take an image: ${found}`,
      });
    } else latentSlot = found;
  }
  if (issues.length) throw new Txt2ImgBuildError(issues);

  const applied = applyParams(base.template, base.contract, contractValues);
  if (!applied.ok) {
    throw new Txt2ImgBuildError(
      applied.errors.map((error) => ({
        kind: 'invalid_param',
        param: error.param,
        message: `${base.name}: ${error.message}`,
      })),
    );
  }
  const prompt = applied.prompt;
  const [checkpointId] = checkpoints;
  const [samplerId] = samplers;
  // Before the add-ons: custom sampling copies the sampler's latent and denoise.
  if (source && latentSlot) useImageSource(prompt, latentSlot, source);
  if (loras.length && checkpointId) {
    const weights = request.lora_weights ?? [];
    const specs = loras.map((name, i) => ({ name, weight: weights[i] ?? txt2imgDefaults.lora_weight }));
    chainLoras(prompt, checkpointId, specs);
  }
  if (samplerId) {
    if (request.deepshrink) patchSamplerModel(prompt, objectInfo, samplerId, 'PatchModelAddDownscale');
    if (request.pag) patchSamplerModel(prompt, objectInfo, samplerId, 'PerturbedAttentionGuidance');
    if (request.detail_daemon || request.split_sigmas) {
      replaceWithCustomSampling(prompt, objectInfo, samplerId, {
        detailDaemon: request.detail_daemon === true,
        splitSigmas: request.split_sigmas === true,
      });
    }
  }
  return { prompt, template: base.source, seed, problems: checkPromptAgainstObjectInfo(prompt, objectInfo) };
}
