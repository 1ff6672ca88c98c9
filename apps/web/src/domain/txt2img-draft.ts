import {
  txt2imgBounds as bounds,
  txt2imgDefaults,
  txt2imgFeatures,
  txt2imgPresetKnobs,
  type ComfyUploadResponse,
  type Txt2ImgFeature,
  type Txt2ImgParams,
} from '@atelier/contract';
import { asUpload } from './input-image';

export interface LoraChoice {
  name: string;
  weight: number;
}

/** The Generate form as the user edits it; `toParams` turns it into the API's request body. */
export interface Txt2ImgDraft {
  caption: string;
  negative: string;
  width: number;
  height: number;
  steps: number;
  cfg: number;
  seed: number;
  /** Locked: send `seed`; unlocked: let the server draw one (shown afterwards). */
  isSeedLocked: boolean;
  /** '' = the server's default. */
  sampler: string;
  scheduler: string;
  checkpoint: string;
  loras: LoraChoice[];
  features: Txt2ImgFeature[];
  batch_size: number;
  /** A server workflow template's name (GET /api/comfy/presets, sent as `preset`); '' = the built-in graph. */
  template: string;
  /** img2img: the uploaded input image (POST /api/comfy/upload), sent as `image`; null = text to image. */
  image: ComfyUploadResponse | null;
  /** Inpainting: the uploaded mask (white = repaint), sent as `mask`; set by the mask editor. */
  mask: ComfyUploadResponse | null;
  /** How much of the input is repainted, 0–1; null = the server's default for the mode (denoiseDefault). */
  denoise: number | null;
  /** img2img keeps the input's size (no width/height sent); off: the input is scaled and cropped to them. */
  matchInputSize: boolean;
}

export type DraftField = keyof Txt2ImgDraft | `loras.${number}`;
export type DraftErrors = Partial<Record<DraftField, string>>;

export function randomSeed(random: () => number = Math.random): number {
  // 2^32 keeps seeds short enough to read out and type back; the API accepts up to 2^53-1.
  return Math.floor(random() * 2 ** 32);
}

export function defaultDraft(): Txt2ImgDraft {
  return {
    caption: '',
    negative: txt2imgDefaults.negative,
    width: txt2imgDefaults.width,
    height: txt2imgDefaults.height,
    steps: txt2imgDefaults.steps,
    cfg: txt2imgDefaults.cfg,
    seed: randomSeed(),
    isSeedLocked: false,
    sampler: '',
    scheduler: '',
    checkpoint: '',
    loras: [],
    features: [],
    batch_size: txt2imgDefaults.batch_size,
    template: '',
    image: null,
    mask: null,
    denoise: null,
    matchInputSize: true,
  };
}

/**
 * A draft read back from localStorage: defaults for what it lacks. One saved before the template had
 * its own name keeps its choice (it was stored as `preset`); one saved before input images has none.
 */
export function restoreDraft(
  stored: Partial<Txt2ImgDraft> & { preset?: unknown },
  defaults: Txt2ImgDraft,
): Txt2ImgDraft {
  const { preset, ...draft } = stored;
  const template = draft.template ?? (typeof preset === 'string' ? preset : defaults.template);
  const image = asUpload(draft.image);
  return {
    ...defaults,
    ...draft,
    template,
    image,
    // A mask belongs to its image (and is deleted after one job): never without it.
    mask: image ? asUpload(draft.mask) : null,
    denoise: typeof draft.denoise === 'number' ? draft.denoise : null,
    matchInputSize: typeof draft.matchInputSize === 'boolean' ? draft.matchInputSize : true,
  };
}

/** What the draft makes: from a prompt alone, from an input image, or an input image's masked area. */
export type DraftMode = 'txt2img' | 'img2img' | 'inpaint';

export function draftMode(draft: Pick<Txt2ImgDraft, 'image' | 'mask'>): DraftMode {
  if (!draft.image) return 'txt2img';
  return draft.mask ? 'inpaint' : 'img2img';
}

/** The denoise the server uses when none is sent: img2img keeps a quarter, inpainting repaints it all. */
export function denoiseDefault(mode: DraftMode): number {
  return mode === 'inpaint' ? txt2imgDefaults.inpaint_denoise : txt2imgDefaults.img2img_denoise;
}

/**
 * The denoise a submit sends when none was chosen, as the form shows it. `draft.mask` is set only when a
 * submit uploads the mask, so while one is being painted (`isMaskPainted`, the mask store's isActive) the
 * draft alone would still read as img2img; the job will be inpainting and get inpainting's default.
 */
export function shownDenoiseDefault(
  draft: Pick<Txt2ImgDraft, 'image' | 'mask'>,
  isMaskPainted: boolean,
): number {
  return denoiseDefault(draft.image && isMaskPainted ? 'inpaint' : draftMode(draft));
}

/**
 * Whether width and height go out: not for inpainting (the API refuses them: the mask fits the input), nor
 * for img2img that follows the input's size.
 */
export function sendsSize(draft: Pick<Txt2ImgDraft, 'image' | 'mask' | 'matchInputSize'>): boolean {
  const mode = draftMode(draft);
  return mode === 'txt2img' || (mode === 'img2img' && !draft.matchInputSize);
}

/** The form field a refused request parameter belongs on (the template is sent as `preset`). */
export const draftFieldOf = (param: string): DraftField =>
  param === 'preset' ? 'template' : (param as DraftField);

/** A common image size, one click away. */
export interface SizeChoice {
  label: string;
  width: number;
  height: number;
}

export const sizeChoices: readonly SizeChoice[] = [
  { label: 'Square', width: 1024, height: 1024 },
  { label: 'Portrait', width: 832, height: 1216 },
  { label: 'Landscape', width: 1216, height: 832 },
  { label: 'Wide', width: 1344, height: 768 },
  { label: 'Small', width: 512, height: 512 },
];

/** A quality level: steps and CFG, with the sampler/scheduler that suit them. */
export interface QualityLevel {
  id: 'draft' | 'balanced' | 'detailed';
  label: string;
  description: string;
  steps: number;
  cfg: number;
  /** Preferred sampler/scheduler, used when the server offers them. */
  sampler: string;
  scheduler: string;
}

export const qualityLevels: readonly QualityLevel[] = [
  {
    id: 'draft',
    label: 'Draft',
    description: 'Fast look',
    steps: 12,
    cfg: 5,
    sampler: 'euler',
    scheduler: 'normal',
  },
  {
    id: 'balanced',
    label: 'Balanced',
    description: 'Everyday',
    steps: 20,
    cfg: 7,
    sampler: 'dpmpp_2m',
    scheduler: 'karras',
  },
  {
    id: 'detailed',
    label: 'Detailed',
    description: 'Slow, fine',
    steps: 35,
    cfg: 6.5,
    sampler: 'dpmpp_2m_sde',
    scheduler: 'karras',
  },
];

const integerIn = (value: number, min: number, max: number) =>
  Number.isInteger(value) && value >= min && value <= max;

function checkSide(
  value: number,
  label: string,
  { min, max, multipleOf }: { min: number; max: number; multipleOf: number },
): string | undefined {
  if (!integerIn(value, min, max)) return `${label} must be a whole number from ${min} to ${max}.`;
  if (value % multipleOf !== 0) return `${label} must be a multiple of ${multipleOf}.`;
  return undefined;
}

/** Every bound the API checks, checked here first so the form can say so beside the field. */
export function validateDraft(draft: Txt2ImgDraft): DraftErrors {
  const errors: DraftErrors = {};
  const caption = draft.caption.trim();
  if (caption.length < bounds.caption.minLength) errors.caption = 'Describe the image you want.';
  else if (caption.length > bounds.caption.maxLength)
    errors.caption = `At most ${bounds.caption.maxLength.toLocaleString('en')} characters.`;
  if (draft.negative.length > bounds.negative.maxLength)
    errors.negative = `At most ${bounds.negative.maxLength.toLocaleString('en')} characters.`;
  // Sizes that are not sent cannot be wrong.
  if (sendsSize(draft)) {
    errors.width = checkSide(draft.width, 'Width', bounds.width);
    errors.height = checkSide(draft.height, 'Height', bounds.height);
  }
  if (
    draft.image &&
    draft.denoise !== null &&
    !(draft.denoise >= bounds.denoise.min && draft.denoise <= bounds.denoise.max)
  )
    errors.denoise = `Denoise from ${bounds.denoise.min} to ${bounds.denoise.max}.`;
  if (!integerIn(draft.steps, bounds.steps.min, bounds.steps.max))
    errors.steps = `Steps must be a whole number from ${bounds.steps.min} to ${bounds.steps.max}.`;
  if (!(draft.cfg >= bounds.cfg.min && draft.cfg <= bounds.cfg.max))
    errors.cfg = `CFG must be from ${bounds.cfg.min} to ${bounds.cfg.max}.`;
  if (draft.isSeedLocked && !integerIn(draft.seed, bounds.seed.min, bounds.seed.max))
    errors.seed = 'The seed must be a whole number of 0 or more.';
  if (!integerIn(draft.batch_size, bounds.batch_size.min, bounds.batch_size.max))
    errors.batch_size = `From ${bounds.batch_size.min} to ${bounds.batch_size.max} images.`;
  if (draft.loras.length > bounds.loras.maxItems) errors.loras = `At most ${bounds.loras.maxItems} LoRAs.`;
  draft.loras.forEach((lora, index) => {
    const { min, max } = bounds.lora_weights;
    if (!(lora.weight >= min && lora.weight <= max))
      errors[`loras.${index}`] = `Weight from ${min} to ${max}.`;
  });
  for (const key of Object.keys(errors) as DraftField[]) if (errors[key] === undefined) delete errors[key];
  return errors;
}

/**
 * The request body; features the server cannot run are left out rather than refused. With an input image it
 * carries `image` (and `mask`) and the denoise it will run with, and width/height only when `sendsSize`.
 */
export function toParams(draft: Txt2ImgDraft, available: readonly Txt2ImgFeature[]): Txt2ImgParams {
  const params: Txt2ImgParams = {
    caption: draft.caption.trim(),
    ...(sendsSize(draft) ? { width: draft.width, height: draft.height } : {}),
    steps: draft.steps,
    cfg: draft.cfg,
    batch_size: draft.batch_size,
  };
  if (draft.image) {
    params.image = draft.image.image;
    if (draft.mask) params.mask = draft.mask.image;
    params.denoise = draft.denoise ?? denoiseDefault(draftMode(draft));
  }
  if (draft.negative.trim()) params.negative = draft.negative.trim();
  if (draft.isSeedLocked) params.seed = draft.seed;
  if (draft.sampler) params.sampler = draft.sampler;
  if (draft.scheduler) params.scheduler = draft.scheduler;
  if (draft.checkpoint) params.checkpoint = draft.checkpoint;
  if (draft.loras.length > 0) {
    params.loras = draft.loras.map((lora) => lora.name);
    params.lora_weights = draft.loras.map((lora) => lora.weight);
  }
  for (const feature of draft.features) if (available.includes(feature)) params[feature] = true;
  if (draft.template) params.preset = draft.template;
  return params;
}

/** The form's values a template's parameter contract may or may not take (the caption it always takes). */
export type TemplateParamKey = Exclude<(typeof txt2imgPresetKnobs)[number], 'caption'>;
export const templateParamKeys = txt2imgPresetKnobs.filter(
  (key): key is TemplateParamKey => key !== 'caption',
);

/**
 * The request without the values the chosen template does not take (`takes`: its `params` list), so that
 * switching templates never turns a valid form into a refused request; `dropped` says which were left out.
 */
export function fitToTemplate(
  params: Txt2ImgParams,
  takes: readonly string[],
): { params: Txt2ImgParams; dropped: TemplateParamKey[] } {
  const fitted: Txt2ImgParams = { ...params };
  const dropped: TemplateParamKey[] = [];
  for (const key of templateParamKeys) {
    if (fitted[key] === undefined || takes.includes(key)) continue;
    delete fitted[key];
    dropped.push(key);
  }
  return { params: fitted, dropped };
}

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Settings read back from a stored job or gallery image ("use these settings"). Only recognised,
 * well-typed keys are taken; the seed comes back locked so the image can be reproduced.
 */
export function draftFromParams(params: Record<string, unknown>, base: Txt2ImgDraft): Txt2ImgDraft {
  const names = Array.isArray(params.loras)
    ? params.loras.filter((n): n is string => typeof n === 'string')
    : [];
  const weights = Array.isArray(params.lora_weights) ? params.lora_weights : [];
  const seed = num(params.seed);
  return {
    ...base,
    caption: str(params.caption) ?? base.caption,
    negative: str(params.negative) ?? '',
    width: num(params.width) ?? base.width,
    height: num(params.height) ?? base.height,
    steps: num(params.steps) ?? base.steps,
    cfg: num(params.cfg) ?? base.cfg,
    seed: seed ?? base.seed,
    isSeedLocked: seed !== undefined,
    sampler: str(params.sampler) ?? '',
    scheduler: str(params.scheduler) ?? '',
    checkpoint: str(params.checkpoint) ?? '',
    loras: names.map((name, i) => ({ name, weight: num(weights[i]) ?? txt2imgDefaults.lora_weight })),
    features: txt2imgFeatures.filter((feature) => params[feature] === true),
    batch_size: num(params.batch_size) ?? base.batch_size,
    template: str(params.preset) ?? '',
    // The input image stays what it is (a job names a file, not an upload of this user); its denoise comes along.
    denoise: num(params.denoise) ?? base.denoise,
  };
}
