import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { deepCopyPy, parsePyJson } from './py-json.js';

/** One node class as `/object_info` describes it (only the parts the simulator reads are typed). */
export interface NodeDef {
  input: Partial<Record<InputCategory, Record<string, unknown>>>;
  output: unknown[];
  output_node?: boolean;
  [key: string]: unknown;
}

export type InputCategory = 'required' | 'optional' | 'hidden';

export interface InputSpec {
  /** A type name (`"INT"`, `"IMAGE"`) or, for a combo, the list of allowed values. */
  type: unknown;
  extra: Record<string, unknown>;
  category: InputCategory;
}

/** Model folders the simulator pretends to have, as ComfyUI's `folder_paths` names them. */
export const defaultModels: Readonly<Record<string, readonly string[]>> = {
  checkpoints: ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.ckpt', 'v1-5-pruned-emaonly.safetensors'],
  loras: ['sim-detail-tweaker.safetensors', 'sim-watercolor.safetensors'],
  vae: ['sdxl_vae.safetensors', 'vae-ft-mse-840000-ema-pruned.safetensors'],
  text_encoders: ['clip_l.safetensors', 't5xxl_fp8_e4m3fn.safetensors'],
  diffusion_models: ['flux1-schnell.safetensors'],
  upscale_models: ['4x-UltraSharp.pth', 'RealESRGAN_x2.pth'],
  controlnet: ['control_v11p_sd15_canny.pth'],
};

/** Which combo inputs list which model folder (`"<class>.<input>"` → folder). */
const MODEL_INPUTS: Record<string, string> = {
  'CheckpointLoaderSimple.ckpt_name': 'checkpoints',
  'CheckpointLoader.ckpt_name': 'checkpoints',
  'unCLIPCheckpointLoader.ckpt_name': 'checkpoints',
  'ImageOnlyCheckpointLoader.ckpt_name': 'checkpoints',
  'CreateHookModelAsLora.ckpt_name': 'checkpoints',
  'CreateHookModelAsLoraModelOnly.ckpt_name': 'checkpoints',
  'VAELoader.vae_name': 'vae',
  'LoraLoader.lora_name': 'loras',
  'LoraLoaderModelOnly.lora_name': 'loras',
  'CreateHookLora.lora_name': 'loras',
  'CreateHookLoraModelOnly.lora_name': 'loras',
  'CLIPLoader.clip_name': 'text_encoders',
  'DualCLIPLoader.clip_name1': 'text_encoders',
  'DualCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name1': 'text_encoders',
  'TripleCLIPLoader.clip_name2': 'text_encoders',
  'TripleCLIPLoader.clip_name3': 'text_encoders',
  'UNETLoader.unet_name': 'diffusion_models',
  'ControlNetLoader.control_net_name': 'controlnet',
  'DiffControlNetLoader.control_net_name': 'controlnet',
  'StyleModelLoader.style_model_name': 'style_models',
  'CLIPVisionLoader.clip_name': 'clip_vision',
  'GLIGENLoader.gligen_name': 'gligen',
  'HypernetworkLoader.hypernetwork_name': 'hypernetworks',
  'UpscaleModelLoader.model_name': 'upscale_models',
  'PhotoMakerLoader.photomaker_model_name': 'photomaker',
  'DiffusersLoader.model_path': 'diffusers',
};

/** Inputs whose combo lists the input directory's top-level image files. */
const INPUT_IMAGE_LISTS = ['LoadImage.image', 'LoadImageMask.image'];

const IMAGE_EXTENSIONS = /\.(png|jpe?g|jpe|gif|webp|bmp|tiff?|ico|avif|heic|heif|svg|tga|pbm|pgm|ppm|pnm)$/i;

function readDefaultObjectInfo(): Record<string, NodeDef> {
  const file = fileURLToPath(new URL('../assets/object_info.json.gz', import.meta.url));
  return parsePyJson(gunzipSync(readFileSync(file)).toString('utf8')) as Record<string, NodeDef>;
}

let recorded: Record<string, NodeDef> | undefined;

/** The `/object_info` recorded from ComfyUI v0.3.7 (248 classes), parsed with float marks intact. */
export function recordedObjectInfo(): Record<string, NodeDef> {
  recorded ??= readDefaultObjectInfo();
  return deepCopyPy(recorded);
}

function listFilesRecursive(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

export interface ObjectInfoSource {
  inputDir: string;
  modelsDir: string;
  /** Model names per folder; when given it replaces `defaultModels` entirely (missing folders are empty). */
  models?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The node catalogue the simulator validates and executes against. Like ComfyUI, combo lists that
 * name files are computed on every request: LoadImage lists the input directory, loaders list models.
 */
export class ObjectInfo {
  constructor(
    private readonly defs: Record<string, NodeDef>,
    private readonly source: ObjectInfoSource,
  ) {}

  has(classType: string): boolean {
    return Object.hasOwn(this.defs, classType);
  }

  classNames(): string[] {
    return Object.keys(this.defs);
  }

  /** The definition with live file lists, or undefined for an unknown class. */
  get(classType: string): NodeDef | undefined {
    if (!this.has(classType)) return undefined;
    const def = this.defs[classType];
    if (!def) return undefined;
    const dynamic = this.dynamicInputs(classType, def);
    if (dynamic.length === 0) return def;
    const copy = deepCopyPy(def);
    for (const [category, name, values] of dynamic) {
      const spec = copy.input[category]?.[name];
      if (Array.isArray(spec)) spec[0] = values;
    }
    return copy;
  }

  /** The whole catalogue, in the recorded order. */
  all(): Record<string, NodeDef> {
    const out: Record<string, NodeDef> = {};
    for (const name of Object.keys(this.defs)) {
      const def = this.get(name);
      if (def) out[name] = def;
    }
    return out;
  }

  isOutputNode(classType: string): boolean {
    return this.defs[classType]?.output_node === true;
  }

  returnTypes(classType: string): unknown[] {
    return this.defs[classType]?.output ?? [];
  }

  /** Sorted top-level image files of the input directory (what LoadImage offers). */
  inputImages(): string[] {
    if (!existsSync(this.source.inputDir)) return [];
    return readdirSync(this.source.inputDir)
      .filter((f) => IMAGE_EXTENSIONS.test(f) && statSync(join(this.source.inputDir, f)).isFile())
      .sort();
  }

  /** Names offered for a model folder: configured (or default) names plus files under `<data>/models/<folder>`. */
  modelNames(folder: string): string[] {
    const configured = (this.source.models ?? defaultModels)[folder] ?? [];
    const onDisk = listFilesRecursive(join(this.source.modelsDir, folder));
    return [...new Set([...configured, ...onDisk])].sort();
  }

  modelFolders(): string[] {
    return [
      ...new Set([
        ...Object.values(MODEL_INPUTS),
        ...Object.keys(this.source.models ?? {}),
        'configs',
        'embeddings',
      ]),
    ].sort();
  }

  private dynamicInputs(classType: string, def: NodeDef): [InputCategory, string, string[]][] {
    const out: [InputCategory, string, string[]][] = [];
    for (const category of ['required', 'optional'] as const) {
      for (const name of Object.keys(def.input[category] ?? {})) {
        const key = `${classType}.${name}`;
        if (INPUT_IMAGE_LISTS.includes(key)) out.push([category, name, this.inputImages()]);
        const folder = MODEL_INPUTS[key];
        if (folder) out.push([category, name, this.modelNames(folder)]);
      }
    }
    return out;
  }
}

/** ComfyUI's `get_input_info`: the type, options and category of one input. */
export function inputSpec(def: NodeDef, name: string): InputSpec | undefined {
  for (const category of ['required', 'optional', 'hidden'] as const) {
    const group = def.input[category];
    if (!group || !Object.hasOwn(group, name)) continue;
    const spec = group[name];
    if (!Array.isArray(spec)) return { type: spec, extra: {}, category };
    const [type, extra] = spec as unknown[];
    return {
      type,
      extra:
        extra !== null && typeof extra === 'object' && !Array.isArray(extra)
          ? (extra as Record<string, unknown>)
          : {},
      category,
    };
  }
  return undefined;
}
