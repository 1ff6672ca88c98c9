/**
 * Simulated node classes. Model nodes hand opaque tokens along and track what matters for the
 * result (latent size, seed); image nodes do their real (cheap) pixel work; output nodes write real
 * files named the way ComfyUI names them. Classes without an implementation here still run:
 * `fallbackNode` produces values of the declared output types.
 */
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadRawImage } from './image-files.js';
import { inputSpec, type NodeDef } from './object-info.js';
import { annotatedExists, annotatedPath, isInside, normpath, type SimDirs } from './paths.js';
import { encodePng } from './png.js';
import { PyError, SIM_SRC, tbFrame } from './py-error.js';
import { dumpsPy, pyTypeName } from './py-json.js';
import {
  blurImage,
  checkAlloc,
  cropImage,
  drawPattern,
  mapImage,
  newImage,
  newMask,
  opaque,
  resizeImage,
  rng,
  upscaleImage,
  type SimImage,
  type SimLatent,
  type SimMask,
  type SimOpaque,
  type SimSigmas,
} from './sim-values.js';
import type { CustomValidator } from './validate.js';

export interface ProgressPreview {
  /** 1 = JPEG, 2 = PNG (ComfyUI's BinaryEventTypes image formats). */
  format: 1 | 2;
  bytes: Buffer;
}

export interface NodeContext {
  id: string;
  classType: string;
  def: NodeDef;
  /** Resolved inputs: links replaced by upstream values, widget values as given. */
  inputs: Record<string, unknown>;
  hidden: { prompt: unknown; extraPnginfo: unknown };
  /** Per node-instance state that survives between prompts (ComfyUI's object cache). */
  state: Record<string, unknown>;
  dirs: SimDirs;
  stepMs: number;
  previews: boolean;
  sleep(ms: number): Promise<void>;
  /** ComfyUI's progress hook: checks for an interrupt, then sends `progress` (+ a preview frame). */
  progress(value: number, max: number, preview?: ProgressPreview): Promise<void>;
}

export interface NodeOutput {
  outputs: unknown[];
  ui?: Record<string, unknown>;
}

type NodeImpl = (ctx: NodeContext) => Promise<NodeOutput> | NodeOutput;

/** Any string input containing this makes the node raise at run time (a deterministic failure for tests). */
export const FAIL_MARKER = 'SIM_FAIL';

const NODES_PY = `${SIM_SRC}/nodes.py`;

function attrError(v: unknown, attr: string): PyError {
  return new PyError('AttributeError', `'${pyTypeName(v)}' object has no attribute '${attr}'`);
}

function num(ctx: NodeContext, name: string, dflt = 0): number {
  const v = ctx.inputs[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return dflt;
}

function str(ctx: NodeContext, name: string, dflt = ''): string {
  const v = ctx.inputs[name];
  return typeof v === 'string' ? v : dflt;
}

function image(ctx: NodeContext, name: string): SimImage {
  const v = ctx.inputs[name];
  if (v && typeof v === 'object' && (v as SimImage).kind === 'IMAGE') return v as SimImage;
  throw attrError(v, 'shape');
}

function mask(ctx: NodeContext, name: string): SimMask {
  const v = ctx.inputs[name];
  if (v && typeof v === 'object' && (v as SimMask).kind === 'MASK') return v as SimMask;
  throw attrError(v, 'reshape');
}

function latent(ctx: NodeContext, name: string): SimLatent {
  const v = ctx.inputs[name];
  if (v && typeof v === 'object' && (v as SimLatent).kind === 'LATENT') return v as SimLatent;
  throw new PyError('TypeError', `'${pyTypeName(v)}' object is not subscriptable`);
}

function sigmas(ctx: NodeContext, name: string): SimSigmas {
  const v = ctx.inputs[name];
  if (v && typeof v === 'object' && (v as SimSigmas).kind === 'SIGMAS') return v as SimSigmas;
  throw attrError(v, 'shape');
}

function seedOf(ctx: NodeContext, name: string): string {
  const v = ctx.inputs[name];
  return typeof v === 'bigint' || typeof v === 'number' ? String(v) : '0';
}

function maskFromImageChannel(img: SimImage, channel: number, invert: boolean): SimMask {
  const m = newMask(img.width, img.height, img.frames.length);
  img.frames.forEach((f, b) => {
    const dst = m.frames[b];
    if (!dst) return;
    for (let i = 0; i < dst.length; i++) {
      const v = (f[i * img.channels + channel] ?? 0) / 255;
      dst[i] = invert ? 1 - v : v;
    }
  });
  return m;
}

function resizeMask(m: SimMask, width: number, height: number): SimMask {
  if (m.width === width && m.height === height) return m;
  const out = newMask(width, height, m.frames.length);
  m.frames.forEach((src, b) => {
    const dst = out.frames[b];
    if (!dst) return;
    for (let y = 0; y < height; y++) {
      const sy = Math.min(m.height - 1, Math.floor((y * m.height) / height));
      for (let x = 0; x < width; x++) {
        dst[y * width + x] =
          src[sy * m.width + Math.min(m.width - 1, Math.floor((x * m.width) / width))] ?? 0;
      }
    }
  });
  return out;
}

function imageFromMask(m: SimMask): SimImage {
  const img = newImage(m.width, m.height, 3, m.frames.length);
  m.frames.forEach((src, b) => {
    const dst = img.frames[b];
    if (!dst) return;
    for (let i = 0; i < src.length; i++) {
      const v = Math.round((src[i] ?? 0) * 255);
      dst[i * 3] = v;
      dst[i * 3 + 1] = v;
      dst[i * 3 + 2] = v;
    }
  });
  return img;
}

/** The pixels VAEDecode produces for a latent: its source (if encoded), overlaid with the seed's pattern. */
function decodeLatent(l: SimLatent): SimImage {
  const width = l.width * 8;
  const height = l.height * 8;
  const img = newImage(width, height, 3, l.batch);
  const source = l.source ? resizeImage(l.source, width, height, 'bilinear') : undefined;
  img.frames.forEach((frame, b) => {
    const src = source?.frames[Math.min(b, source.frames.length - 1)];
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) {
        frame[i * 3 + c] = src ? (src[i * (source?.channels ?? 3) + c] ?? 0) : 119;
      }
    }
    if (l.seed !== null) drawPattern(frame, width, height, `${l.seed}:${b}`, l.strength);
  });
  return img;
}

function samplerPreview(l: SimLatent, seed: string, step: number, total: number): Buffer {
  const scale = Math.min(1, 128 / Math.max(l.width, l.height));
  const w = Math.max(1, Math.round(l.width * scale));
  const h = Math.max(1, Math.round(l.height * scale));
  const data = new Uint8ClampedArray(w * h * 3);
  const noise = rng(`${seed}:noise:${step}`);
  for (let i = 0; i < data.length; i++) data[i] = noise() * 255;
  drawPattern(data, w, h, `${seed}:0`, step / total);
  return encodePng({ width: w, height: h, channels: 3, data: new Uint8Array(data.buffer) }, { level: 1 });
}

async function sample(
  ctx: NodeContext,
  input: SimLatent,
  seed: string,
  steps: number,
  denoise: number,
): Promise<SimLatent> {
  for (let step = 1; step <= steps; step++) {
    await ctx.sleep(ctx.stepMs);
    const preview = ctx.previews
      ? { format: 2 as const, bytes: samplerPreview(input, seed, step, steps) }
      : undefined;
    await ctx.progress(step, steps, preview);
  }
  return { ...input, seed, strength: input.source ? Math.min(1, Math.max(0, denoise)) : 1 };
}

function frameToRaw(
  img: SimImage,
  b: number,
): { width: number; height: number; channels: 3 | 4; data: Uint8Array } {
  const f = img.frames[b] ?? new Uint8ClampedArray(img.width * img.height * img.channels);
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    data: new Uint8Array(f.buffer, f.byteOffset, f.length),
  };
}

/** folder_paths.get_save_image_path: subfolder from the prefix, counter after the highest existing file. */
function saveImagePath(
  prefixIn: string,
  outputDir: string,
  width: number,
  height: number,
): { folder: string; filename: string; counter: number; subfolder: string } {
  let prefix = prefixIn;
  if (prefix.includes('%')) {
    const now = new Date();
    const pad = (n: number): string => String(n).padStart(2, '0');
    prefix = prefix
      .replaceAll('%width%', String(width))
      .replaceAll('%height%', String(height))
      .replaceAll('%year%', String(now.getFullYear()))
      .replaceAll('%month%', pad(now.getMonth() + 1))
      .replaceAll('%day%', pad(now.getDate()))
      .replaceAll('%hour%', pad(now.getHours()))
      .replaceAll('%minute%', pad(now.getMinutes()))
      .replaceAll('%second%', pad(now.getSeconds()));
  }
  const norm = normpath(prefix);
  const slash = norm.lastIndexOf('/');
  const subfolder = slash >= 0 ? norm.slice(0, slash) || '/' : '';
  const filename = slash >= 0 ? norm.slice(slash + 1) : norm;
  // Python's os.path.join drops the base for an absolute part; the check below then refuses it.
  const folder = subfolder.startsWith('/') ? subfolder : join(outputDir, subfolder);
  if (!isInside(outputDir, folder)) {
    throw new PyError(
      'Exception',
      `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${folder}\n         output_dir: ${outputDir}`,
      [tbFrame(`${SIM_SRC}/folder_paths.py`, 339, 'get_save_image_path', 'raise Exception(err)')],
    );
  }
  const prefixLen = (prefix.split('/').pop() ?? '').length;
  let counter = 1;
  if (existsSync(folder)) {
    let max = -1;
    for (const f of readdirSync(folder)) {
      const head = f.slice(0, prefixLen + 1);
      if (head.slice(0, -1) !== filename || !head.endsWith('_')) continue;
      const digitsText = (f.slice(prefixLen + 1).split('_')[0] ?? '').trim();
      const digits = /^[+-]?\d+$/.test(digitsText) ? Number(digitsText) : 0;
      max = Math.max(max, digits);
    }
    if (max >= 0) counter = max + 1;
  } else {
    mkdirSync(folder, { recursive: true });
  }
  return { folder, filename, counter, subfolder };
}

function saveImages(
  ctx: NodeContext,
  img: SimImage,
  prefix: string,
  dir: string,
  type: string,
  level: number,
): NodeOutput {
  const { folder, filename, counter: first, subfolder } = saveImagePath(prefix, dir, img.width, img.height);
  const texts: [string, string][] = [];
  if (ctx.hidden.prompt !== null && ctx.hidden.prompt !== undefined)
    texts.push(['prompt', dumpsPy(ctx.hidden.prompt)]);
  const extra = ctx.hidden.extraPnginfo;
  if (extra !== null && extra !== undefined) {
    if (typeof extra !== 'object' || Array.isArray(extra)) {
      throw new PyError('TypeError', `'${pyTypeName(extra)}' object is not a mapping`);
    }
    for (const [k, v] of Object.entries(extra)) texts.push([k, dumpsPy(v)]);
  }
  let counter = first;
  const images = img.frames.map((_, b) => {
    const file = `${filename.replaceAll('%batch_num%', String(b))}_${String(counter).padStart(5, '0')}_.png`;
    writeFileSync(join(folder, file), encodePng(frameToRaw(img, b), { texts, level }));
    counter++;
    return { filename: file, subfolder, type };
  });
  return { outputs: [], ui: { images } };
}

function readInputImage(
  ctx: NodeContext,
  name: string,
): { raw: NonNullable<ReturnType<typeof loadRawImage>>; path: string } {
  const path = annotatedPath(name, ctx.dirs);
  const frames = [
    tbFrame(NODES_PY, 1586, 'load_image', 'img = node_helpers.pillow(Image.open, image_path)'),
    tbFrame(`${SIM_SRC}/node_helpers.py`, 24, 'pillow', 'x = fn(arg)'),
  ];
  if (!existsSync(path))
    throw new PyError('FileNotFoundError', `[Errno 2] No such file or directory: '${path}'`, frames);
  if (statSync(path).isDirectory())
    throw new PyError('IsADirectoryError', `[Errno 21] Is a directory: '${path}'`, frames);
  const raw = loadRawImage(readFileSync(path));
  if (!raw) {
    throw new PyError('PIL.UnidentifiedImageError', `cannot identify image file '${path}'`, [
      ...frames,
      tbFrame(
        '/usr/lib/python3/dist-packages/PIL/Image.py',
        3283,
        'open',
        'raise UnidentifiedImageError(msg)',
      ),
    ]);
  }
  return { raw, path };
}

function modelScale(name: string): number {
  const m = /(\d+)x|x(\d+)/i.exec(name);
  return Number(m?.[1] ?? m?.[2] ?? 4) || 4;
}

function latentOf(width: number, height: number, batch: number): SimLatent {
  const w = Math.floor(width / 8);
  const h = Math.floor(height / 8);
  checkAlloc(w * 8, h * 8, 3, batch);
  return { kind: 'LATENT', width: w, height: h, batch, seed: null, strength: 0 };
}

const PREVIEW_CHARS = 'abcdefghijklmnopqrstupvxyz'; // sic: ComfyUI's own alphabet

function blendChannels(
  a: SimImage,
  b: SimImage,
  op: (x: number, y: number) => number,
  factor: number,
): SimImage {
  if (a.channels !== b.channels) {
    throw new PyError(
      'RuntimeError',
      `The size of tensor a (${a.channels}) must match the size of tensor b (${b.channels}) at non-singleton dimension 3`,
      [
        tbFrame(
          `${SIM_SRC}/comfy_extras/nodes_post_processing.py`,
          44,
          'blend_images',
          'blended_image = image1 * (1 - blend_factor) + blended_image * blend_factor',
        ),
      ],
    );
  }
  const na = a.frames.length;
  const nb = b.frames.length;
  if (na !== nb && na !== 1 && nb !== 1) {
    throw new PyError(
      'RuntimeError',
      `The size of tensor a (${na}) must match the size of tensor b (${nb}) at non-singleton dimension 0`,
    );
  }
  const out = newImage(a.width, a.height, a.channels, Math.max(na, nb));
  out.frames.forEach((dst, i) => {
    const fa = a.frames[Math.min(i, na - 1)];
    const fb = b.frames[Math.min(i, nb - 1)];
    if (!fa || !fb) return;
    for (let k = 0; k < dst.length; k++) {
      const x = (fa[k] ?? 0) / 255;
      const y = (fb[k] ?? 0) / 255;
      dst[k] = (x * (1 - factor) + op(x, y) * factor) * 255;
    }
  });
  return out;
}

const BLEND_MODES: Record<string, (a: number, b: number) => number> = {
  normal: (_a, b) => b,
  multiply: (a, b) => a * b,
  screen: (a, b) => 1 - (1 - a) * (1 - b),
  overlay: (a, b) => (a <= 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b)),
  soft_light: (a, b) => (b <= 0.5 ? a - (1 - 2 * b) * a * (1 - a) : a + (2 * b - 1) * (Math.sqrt(a) - a)),
  difference: (a, b) => a - b,
};

const model = (ctx: NodeContext, extra: Record<string, unknown> = {}): SimOpaque =>
  opaque('MODEL', 'comfy.model_patcher.ModelPatcher', {
    ckpt: ctx.inputs['ckpt_name'] ?? ctx.inputs['unet_name'],
    ...extra,
  });
const clip = (ctx: NodeContext): SimOpaque =>
  opaque('CLIP', 'comfy.sd.CLIP', { name: ctx.inputs['ckpt_name'] ?? ctx.inputs['clip_name'] });
const vae = (ctx: NodeContext): SimOpaque =>
  opaque('VAE', 'comfy.sd.VAE', { name: ctx.inputs['ckpt_name'] ?? ctx.inputs['vae_name'] });

const scheduler: NodeImpl = (ctx) => ({
  outputs: [
    {
      kind: 'SIGMAS',
      steps: Math.max(0, Math.floor(num(ctx, 'steps', 20) * (num(ctx, 'denoise', 1) > 0 ? 1 : 0))),
    } satisfies SimSigmas,
  ],
});

export const NODE_IMPLS: Record<string, NodeImpl> = {
  // — images and masks —
  EmptyImage: (ctx) => {
    const img = newImage(num(ctx, 'width', 512), num(ctx, 'height', 512), 3, num(ctx, 'batch_size', 1));
    const color = num(ctx, 'color');
    const rgb = [(color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff];
    for (const f of img.frames) for (let i = 0; i < f.length; i++) f[i] = rgb[i % 3] ?? 0;
    return { outputs: [img] };
  },
  ImageInvert: (ctx) => ({ outputs: [mapImage(image(ctx, 'image'), (v) => 255 - v)] }),
  ImageScale: (ctx) => {
    const img = image(ctx, 'image');
    let width = num(ctx, 'width');
    let height = num(ctx, 'height');
    if (width === 0 && height === 0) return { outputs: [img] };
    if (width === 0) width = Math.max(1, Math.round((img.width * height) / img.height));
    if (height === 0) height = Math.max(1, Math.round((img.height * width) / img.width));
    checkAlloc(width, height, img.channels, img.frames.length);
    return { outputs: [upscaleImage(img, width, height, str(ctx, 'upscale_method'), str(ctx, 'crop'))] };
  },
  ImageScaleBy: (ctx) => {
    const img = image(ctx, 'image');
    const s = num(ctx, 'scale_by', 1);
    const w = Math.max(1, Math.round(img.width * s));
    const h = Math.max(1, Math.round(img.height * s));
    checkAlloc(w, h, img.channels, img.frames.length);
    return { outputs: [resizeImage(img, w, h, str(ctx, 'upscale_method'))] };
  },
  ImageBlur: (ctx) => {
    const radius = num(ctx, 'blur_radius', 1);
    const sigma = num(ctx, 'sigma', 1);
    return { outputs: [blurImage(image(ctx, 'image'), Math.min(radius, Math.max(1, Math.round(sigma))))] };
  },
  ImageBlend: (ctx) => {
    const a = image(ctx, 'image1');
    let b = image(ctx, 'image2');
    if (a.width !== b.width || a.height !== b.height)
      b = upscaleImage(b, a.width, a.height, 'bicubic', 'center');
    const op = BLEND_MODES[str(ctx, 'blend_mode')] ?? ((_x: number, y: number) => y);
    return { outputs: [blendChannels(a, b, op, num(ctx, 'blend_factor', 0.5))] };
  },
  ImageCrop: (ctx) => {
    const img = image(ctx, 'image');
    const x = Math.min(num(ctx, 'x'), img.width - 1);
    const y = Math.min(num(ctx, 'y'), img.height - 1);
    return { outputs: [cropImage(img, x, y, num(ctx, 'width', img.width), num(ctx, 'height', img.height))] };
  },
  ImageBatch: (ctx) => {
    const a = image(ctx, 'image1');
    let b = image(ctx, 'image2');
    if (a.width !== b.width || a.height !== b.height)
      b = upscaleImage(b, a.width, a.height, 'bilinear', 'center');
    if (a.channels !== b.channels) {
      throw new PyError(
        'RuntimeError',
        `Sizes of tensors must match except in dimension 0. Expected size ${a.channels} but got size ${b.channels} for tensor number 1 in the list.`,
      );
    }
    return { outputs: [{ ...a, frames: [...a.frames, ...b.frames] }] };
  },
  RepeatImageBatch: (ctx) => {
    const img = image(ctx, 'image');
    const n = num(ctx, 'amount', 1);
    checkAlloc(img.width, img.height, img.channels, img.frames.length * n);
    return { outputs: [{ ...img, frames: Array.from({ length: n }, () => img.frames).flat() }] };
  },
  LoadImage: (ctx) => {
    const { raw } = readInputImage(ctx, str(ctx, 'image'));
    const rgb = newImage(raw.width, raw.height, 3, 1);
    const frame = rgb.frames[0] ?? new Uint8ClampedArray(0);
    const alpha = raw.channels === 4 ? newMask(raw.width, raw.height, 1) : newMask(64, 64, 1);
    const aFrame = alpha.frames[0] ?? new Float32Array(0);
    for (let i = 0; i < raw.width * raw.height; i++) {
      for (let c = 0; c < 3; c++) frame[i * 3 + c] = raw.data[i * raw.channels + c] ?? 0;
      if (raw.channels === 4) aFrame[i] = 1 - (raw.data[i * 4 + 3] ?? 255) / 255;
    }
    return { outputs: [rgb, alpha] };
  },
  LoadImageMask: (ctx) => {
    const { raw } = readInputImage(ctx, str(ctx, 'image'));
    const channel = ['red', 'green', 'blue', 'alpha'].indexOf(str(ctx, 'channel', 'alpha'));
    if (channel === 3 && raw.channels !== 4) return { outputs: [newMask(64, 64, 1)] };
    const img: SimImage = {
      kind: 'IMAGE',
      width: raw.width,
      height: raw.height,
      channels: raw.channels === 4 ? 4 : 3,
      frames: [new Uint8ClampedArray(raw.data)],
    };
    return { outputs: [maskFromImageChannel(img, Math.max(0, channel), channel === 3)] };
  },
  ImagePadForOutpaint: (ctx) => {
    const img = image(ctx, 'image');
    const [left, top, right, bottom, feathering] = ['left', 'top', 'right', 'bottom', 'feathering'].map((k) =>
      num(ctx, k),
    ) as [number, number, number, number, number];
    const w = img.width + left + right;
    const h = img.height + top + bottom;
    const out = newImage(w, h, img.channels, img.frames.length);
    out.frames.forEach((dst, b) => {
      dst.fill(128);
      const src = img.frames[b];
      if (!src) return;
      for (let y = 0; y < img.height; y++) {
        dst.set(
          src.subarray(y * img.width * img.channels, (y + 1) * img.width * img.channels),
          ((y + top) * w + left) * img.channels,
        );
      }
    });
    const m = newMask(w, h, 1, 1);
    const mf = m.frames[0] ?? new Float32Array(0);
    const d2 = img.height;
    const d3 = img.width;
    const feather = feathering > 0 && feathering * 2 < d2 && feathering * 2 < d3;
    for (let i = 0; i < d2; i++) {
      for (let j = 0; j < d3; j++) {
        let v = 0;
        if (feather) {
          const d = Math.min(
            top !== 0 ? i : d2,
            bottom !== 0 ? d2 - i : d2,
            left !== 0 ? j : d3,
            right !== 0 ? d3 - j : d3,
          );
          if (d < feathering) v = ((feathering - d) / feathering) ** 2;
        }
        mf[(i + top) * w + j + left] = v;
      }
    }
    return { outputs: [out, m] };
  },
  MaskToImage: (ctx) => ({ outputs: [imageFromMask(mask(ctx, 'mask'))] }),
  ImageToMask: (ctx) => {
    const img = image(ctx, 'image');
    const channel = ['red', 'green', 'blue', 'alpha'].indexOf(str(ctx, 'channel', 'red'));
    if (channel >= img.channels)
      throw new PyError(
        'IndexError',
        `index ${channel} is out of bounds for dimension 3 with size ${img.channels}`,
      );
    return { outputs: [maskFromImageChannel(img, Math.max(0, channel), false)] };
  },
  SolidMask: (ctx) => ({
    outputs: [newMask(num(ctx, 'width', 512), num(ctx, 'height', 512), 1, num(ctx, 'value', 1))],
  }),
  InvertMask: (ctx) => {
    const m = mask(ctx, 'mask');
    return { outputs: [{ ...m, frames: m.frames.map((f) => f.map((v) => 1 - v)) }] };
  },
  JoinImageWithAlpha: (ctx) => {
    const img = image(ctx, 'image');
    const alpha = resizeMask(mask(ctx, 'alpha'), img.width, img.height);
    const n = Math.min(img.frames.length, alpha.frames.length);
    const out = newImage(img.width, img.height, 4, n);
    out.frames.forEach((dst, b) => {
      const src = img.frames[b];
      const a = alpha.frames[b];
      if (!src || !a) return;
      for (let i = 0; i < img.width * img.height; i++) {
        for (let c = 0; c < 3; c++) dst[i * 4 + c] = src[i * img.channels + c] ?? 0;
        dst[i * 4 + 3] = (1 - (a[i] ?? 0)) * 255;
      }
    });
    return { outputs: [out] };
  },
  SplitImageWithAlpha: (ctx) => {
    const img = image(ctx, 'image');
    const rgb = newImage(img.width, img.height, 3, img.frames.length);
    rgb.frames.forEach((dst, b) => {
      const src = img.frames[b];
      if (!src) return;
      for (let i = 0; i < img.width * img.height; i++)
        for (let c = 0; c < 3; c++) dst[i * 3 + c] = src[i * img.channels + c] ?? 0;
    });
    const m =
      img.channels === 4
        ? maskFromImageChannel(img, 3, true)
        : newMask(img.width, img.height, img.frames.length, 0);
    return { outputs: [rgb, m] };
  },
  UpscaleModelLoader: (ctx) => ({
    outputs: [
      opaque('UPSCALE_MODEL', 'spandrel.ImageModelDescriptor', { scale: modelScale(str(ctx, 'model_name')) }),
    ],
  }),
  ImageUpscaleWithModel: (ctx) => {
    const img = image(ctx, 'image');
    const m = ctx.inputs['upscale_model'] as SimOpaque | undefined;
    const s = typeof m?.info['scale'] === 'number' ? m.info['scale'] : 4;
    checkAlloc(img.width * s, img.height * s, img.channels, img.frames.length);
    return { outputs: [resizeImage(img, img.width * s, img.height * s, 'bilinear')] };
  },

  // — outputs —
  SaveImage: (ctx) =>
    saveImages(
      ctx,
      image(ctx, 'images'),
      str(ctx, 'filename_prefix', 'ComfyUI'),
      ctx.dirs.output,
      'output',
      4,
    ),
  PreviewImage: (ctx) => {
    ctx.state['suffix'] ??=
      '_temp_' + Array.from({ length: 5 }, () => PREVIEW_CHARS[randomInt(PREVIEW_CHARS.length)]).join('');
    return saveImages(
      ctx,
      image(ctx, 'images'),
      'ComfyUI' + String(ctx.state['suffix']),
      ctx.dirs.temp,
      'temp',
      1,
    );
  },
  SaveImageWebsocket: async (ctx) => {
    const img = image(ctx, 'images');
    for (let b = 0; b < img.frames.length; b++) {
      await ctx.progress(b, img.frames.length, {
        format: 2,
        bytes: encodePng(frameToRaw(img, b), { level: 1 }),
      });
    }
    return { outputs: [] };
  },

  // — models —
  CheckpointLoaderSimple: (ctx) => ({ outputs: [model(ctx), clip(ctx), vae(ctx)] }),
  CheckpointLoader: (ctx) => ({ outputs: [model(ctx), clip(ctx), vae(ctx)] }),
  unCLIPCheckpointLoader: (ctx) => ({
    outputs: [model(ctx), clip(ctx), vae(ctx), opaque('CLIP_VISION', 'comfy.clip_vision.ClipVisionModel')],
  }),
  UNETLoader: (ctx) => ({ outputs: [model(ctx)] }),
  CLIPLoader: (ctx) => ({ outputs: [clip(ctx)] }),
  DualCLIPLoader: (ctx) => ({ outputs: [clip(ctx)] }),
  TripleCLIPLoader: (ctx) => ({ outputs: [clip(ctx)] }),
  VAELoader: (ctx) => ({ outputs: [vae(ctx)] }),
  LoraLoader: (ctx) => ({ outputs: [model(ctx, { lora: ctx.inputs['lora_name'] }), ctx.inputs['clip']] }),
  LoraLoaderModelOnly: (ctx) => ({ outputs: [model(ctx, { lora: ctx.inputs['lora_name'] })] }),
  CLIPSetLastLayer: (ctx) => ({ outputs: [ctx.inputs['clip']] }),
  CLIPTextEncode: (ctx) => ({
    outputs: [opaque('CONDITIONING', 'list', { text: ctx.inputs['text'] })],
  }),
  EmptyLatentImage: (ctx) => ({
    outputs: [latentOf(num(ctx, 'width', 512), num(ctx, 'height', 512), num(ctx, 'batch_size', 1))],
  }),
  EmptySD3LatentImage: (ctx) => ({
    outputs: [latentOf(num(ctx, 'width', 1024), num(ctx, 'height', 1024), num(ctx, 'batch_size', 1))],
  }),
  LatentUpscale: (ctx) => {
    const l = latent(ctx, 'samples');
    let w = num(ctx, 'width');
    let h = num(ctx, 'height');
    if (w === 0 && h === 0) return { outputs: [l] };
    if (w === 0) w = Math.round((l.width * 8 * h) / (l.height * 8));
    if (h === 0) h = Math.round((l.height * 8 * w) / (l.width * 8));
    return {
      outputs: [{ ...latentOf(w, h, l.batch), seed: l.seed, strength: l.strength, source: l.source }],
    };
  },
  LatentUpscaleBy: (ctx) => {
    const l = latent(ctx, 'samples');
    const s = num(ctx, 'scale_by', 1.5);
    return {
      outputs: [
        {
          ...latentOf(Math.round(l.width * s) * 8, Math.round(l.height * s) * 8, l.batch),
          seed: l.seed,
          strength: l.strength,
          source: l.source,
        },
      ],
    };
  },
  KSampler: async (ctx) => {
    const l = latent(ctx, 'latent_image');
    const seed = seedOf(ctx, 'seed');
    return { outputs: [await sample(ctx, l, seed, num(ctx, 'steps', 20), num(ctx, 'denoise', 1))] };
  },
  KSamplerAdvanced: async (ctx) => {
    const l = latent(ctx, 'latent_image');
    const steps = num(ctx, 'steps', 20);
    const total = Math.min(num(ctx, 'end_at_step', 10000), steps) - num(ctx, 'start_at_step', 0);
    if (total <= 0) return { outputs: [l] };
    const seed = str(ctx, 'add_noise', 'enable') === 'enable' ? seedOf(ctx, 'noise_seed') : (l.seed ?? '0');
    return { outputs: [await sample(ctx, l, seed, total, total / steps)] };
  },
  SamplerCustom: async (ctx) => {
    const l = latent(ctx, 'latent_image');
    const out = await sample(ctx, l, seedOf(ctx, 'noise_seed'), sigmas(ctx, 'sigmas').steps, 1);
    return { outputs: [out, out] };
  },
  SamplerCustomAdvanced: async (ctx) => {
    const l = latent(ctx, 'latent_image');
    const noise = ctx.inputs['noise'] as SimOpaque | undefined;
    const seed = noise?.info['seed'];
    const out = await sample(
      ctx,
      l,
      typeof seed === 'string' ? seed : (l.seed ?? '0'),
      sigmas(ctx, 'sigmas').steps,
      1,
    );
    return { outputs: [out, out] };
  },
  RandomNoise: (ctx) => ({
    outputs: [
      opaque('NOISE', 'comfy_extras.nodes_custom_sampler.Noise_RandomNoise', {
        seed: seedOf(ctx, 'noise_seed'),
      }),
    ],
  }),
  DisableNoise: () => ({
    outputs: [opaque('NOISE', 'comfy_extras.nodes_custom_sampler.Noise_EmptyNoise', { seed: null })],
  }),
  BasicScheduler: scheduler,
  KarrasScheduler: scheduler,
  ExponentialScheduler: scheduler,
  PolyexponentialScheduler: scheduler,
  LaplaceScheduler: scheduler,
  VPScheduler: scheduler,
  BetaSamplingScheduler: scheduler,
  SDTurboScheduler: scheduler,
  AlignYourStepsScheduler: scheduler,
  GITSScheduler: scheduler,
  LTXVScheduler: scheduler,
  SplitSigmas: (ctx) => {
    const s = sigmas(ctx, 'sigmas');
    const step = Math.min(s.steps, num(ctx, 'step'));
    return {
      outputs: [
        { kind: 'SIGMAS', steps: step },
        { kind: 'SIGMAS', steps: s.steps - step },
      ],
    };
  },
  SplitSigmasDenoise: (ctx) => {
    const s = sigmas(ctx, 'sigmas');
    const high = Math.round(s.steps * (1 - num(ctx, 'denoise', 1)));
    return {
      outputs: [
        { kind: 'SIGMAS', steps: high },
        { kind: 'SIGMAS', steps: s.steps - high },
      ],
    };
  },
  VAEDecode: (ctx) => ({ outputs: [decodeLatent(latent(ctx, 'samples'))] }),
  VAEDecodeTiled: (ctx) => ({ outputs: [decodeLatent(latent(ctx, 'samples'))] }),
  VAEEncode: (ctx) => {
    const img = image(ctx, 'pixels');
    return { outputs: [{ ...latentOf(img.width, img.height, img.frames.length), source: img }] };
  },
  VAEEncodeForInpaint: (ctx) => {
    const img = image(ctx, 'pixels');
    return { outputs: [{ ...latentOf(img.width, img.height, img.frames.length), source: img }] };
  },
  // The mask only tells a real sampler where to paint; the simulated latent passes through unchanged.
  SetLatentNoiseMask: (ctx) => ({ outputs: [latent(ctx, 'samples')] }),
  RepeatLatentBatch: (ctx) => {
    const l = latent(ctx, 'samples');
    const batch = l.batch * num(ctx, 'amount', 1);
    checkAlloc(l.width * 8, l.height * 8, 3, batch);
    return { outputs: [{ ...l, batch }] };
  },
};

/** Samplers time themselves (stepMs per step); every other node takes one stepMs. */
export const SELF_TIMED = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);

function firstOfKind(inputs: Record<string, unknown>, kind: string, type?: string): unknown {
  for (const v of Object.values(inputs)) {
    if (v && typeof v === 'object' && (v as { kind?: unknown }).kind === kind) {
      if (type === undefined || (v as SimOpaque).type === type) return v;
    }
  }
  return undefined;
}

/** Values of the declared output types for classes the simulator does not model. */
export function fallbackNode(ctx: NodeContext): NodeOutput {
  const outputs = ctx.def.output.map((type) => {
    if (Array.isArray(type)) return (type as unknown[])[0] ?? '';
    if (type === 'IMAGE') {
      const img = firstOfKind(ctx.inputs, 'IMAGE');
      if (img) return img;
      const l = firstOfKind(ctx.inputs, 'LATENT') as SimLatent | undefined;
      return l ? decodeLatent(l) : mapImage(newImage(512, 512, 3, 1), () => 119);
    }
    if (type === 'MASK') {
      const m = firstOfKind(ctx.inputs, 'MASK');
      if (m) return m;
      const img = firstOfKind(ctx.inputs, 'IMAGE') as SimImage | undefined;
      return img ? newMask(img.width, img.height, img.frames.length) : newMask(64, 64, 1);
    }
    if (type === 'LATENT') {
      const l = firstOfKind(ctx.inputs, 'LATENT');
      if (l) return l;
      const img = firstOfKind(ctx.inputs, 'IMAGE') as SimImage | undefined;
      return img
        ? { ...latentOf(img.width, img.height, img.frames.length), source: img }
        : latentOf(512, 512, 1);
    }
    if (type === 'SIGMAS')
      return firstOfKind(ctx.inputs, 'SIGMAS') ?? { kind: 'SIGMAS', steps: num(ctx, 'steps', 20) };
    if (type === 'INT' || type === 'FLOAT' || type === 'STRING' || type === 'BOOLEAN') {
      for (const [name, v] of Object.entries(ctx.inputs)) {
        if (inputSpec(ctx.def, name)?.type === type) return v;
      }
      return type === 'STRING' ? '' : type === 'BOOLEAN' ? false : 0;
    }
    const t = String(type);
    return firstOfKind(ctx.inputs, 'OPAQUE', t) ?? opaque(t, `comfy.${t.toLowerCase()}`);
  });
  return { outputs };
}

/** Raises when any string input asks for a simulated failure (see FAIL_MARKER). */
export function checkFailMarker(ctx: NodeContext): void {
  for (const [name, v] of Object.entries(ctx.inputs)) {
    if (typeof v === 'string' && v.includes(FAIL_MARKER)) {
      throw new PyError(
        'RuntimeError',
        `comfy-sim: simulated failure (input '${name}' contains ${FAIL_MARKER})`,
        [tbFrame(NODES_PY, 1, ctx.classType, `raise RuntimeError("${FAIL_MARKER}")`)],
      );
    }
  }
}

/** `VALIDATE_INPUTS` of the nodes that have one: the named file must exist. */
export function customValidators(dirs: SimDirs): Record<string, CustomValidator> {
  const fileCheck = (arg: string, what: string): CustomValidator => ({
    args: [arg],
    validate(values) {
      const name = values[arg];
      if (typeof name !== 'string')
        throw new PyError('AttributeError', `'${pyTypeName(name)}' object has no attribute 'endswith'`);
      return annotatedExists(name, dirs) ? true : `Invalid ${what} file: ${name}`;
    },
  });
  return {
    LoadImage: fileCheck('image', 'image'),
    LoadImageMask: fileCheck('image', 'image'),
    LoadLatent: fileCheck('latent', 'latent'),
    LoadAudio: fileCheck('audio', 'audio'),
  };
}

/** `IS_CHANGED`: LoadImage's cache key is the file's hash, so replacing the file re-runs it. */
export function isChanged(classType: string, inputs: Record<string, unknown>, dirs: SimDirs): string {
  if (classType !== 'LoadImage' && classType !== 'LoadImageMask') return '';
  const name = inputs['image'];
  if (typeof name !== 'string') return '';
  const path = annotatedPath(name, dirs);
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'missing';
  }
}
