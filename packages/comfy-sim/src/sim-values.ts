/**
 * The values that flow between simulated nodes. Images and masks carry real pixels (so SaveImage
 * writes real files); models, CLIP and conditioning are opaque tokens that only remember where
 * they came from.
 */
import { PyError } from './py-error.js';

/** A ComfyUI IMAGE: a batch of frames, 8-bit samples (ComfyUI uses floats in [0, 1]). */
export interface SimImage {
  kind: 'IMAGE';
  width: number;
  height: number;
  channels: 3 | 4;
  frames: Uint8ClampedArray[];
}

/** A ComfyUI MASK: a batch of single-channel float planes in [0, 1]. */
export interface SimMask {
  kind: 'MASK';
  width: number;
  height: number;
  frames: Float32Array[];
}

/** A ComfyUI LATENT: size in latent pixels (1/8 of the image), plus what sampling did to it. */
export interface SimLatent {
  kind: 'LATENT';
  width: number;
  height: number;
  batch: number;
  /** Seed of the last sampler that denoised it; null while it is still empty noise-free latent. */
  seed: string | null;
  /** How much of the sampled pattern shows over `source` (1 = all). */
  strength: number;
  /** Pixels it was encoded from (VAEEncode), for img2img. */
  source?: SimImage;
}

export interface SimSigmas {
  kind: 'SIGMAS';
  steps: number;
}

/** MODEL, CLIP, VAE, CONDITIONING, NOISE, … — tokens with a Python-looking repr. */
export interface SimOpaque {
  kind: 'OPAQUE';
  type: string;
  repr: string;
  info: Record<string, unknown>;
}

export type SimValue = SimImage | SimMask | SimLatent | SimSigmas | SimOpaque;

export function isSimValue(v: unknown): v is SimValue {
  return v !== null && typeof v === 'object' && 'kind' in v && typeof v.kind === 'string';
}

let opaqueCounter = 0;

export function opaque(type: string, pyClass: string, info: Record<string, unknown> = {}): SimOpaque {
  opaqueCounter++;
  const addr = (0x7f3a4c000000 + opaqueCounter * 0x1f40).toString(16);
  return { kind: 'OPAQUE', type, repr: `<${pyClass} object at 0x${addr}>`, info };
}

/** Refuse absurd sizes the way a real machine would: with an allocation error, not a crash. */
const MAX_BYTES = 512 * 1024 * 1024;

export function checkAlloc(width: number, height: number, channels: number, batch: number): void {
  const bytes = width * height * channels * batch * 4;
  if (bytes > MAX_BYTES) {
    throw new PyError(
      'RuntimeError',
      `[enforce fail at alloc_cpu.cpp:83] . DefaultCPUAllocator: not enough memory: you tried to allocate ${bytes} bytes.`,
    );
  }
}

export function newImage(width: number, height: number, channels: 3 | 4, batch: number): SimImage {
  checkAlloc(width, height, channels, batch);
  const frames = Array.from({ length: batch }, () => new Uint8ClampedArray(width * height * channels));
  return { kind: 'IMAGE', width, height, channels, frames };
}

export function newMask(width: number, height: number, batch: number, fill = 0): SimMask {
  checkAlloc(width, height, 1, batch);
  const frames = Array.from({ length: batch }, () => new Float32Array(width * height).fill(fill));
  return { kind: 'MASK', width, height, frames };
}

export function mapImage(img: SimImage, fn: (v: number, c: number) => number): SimImage {
  const out = newImage(img.width, img.height, img.channels, img.frames.length);
  img.frames.forEach((f, b) => {
    const o = out.frames[b];
    if (!o) return;
    for (let i = 0; i < f.length; i++) o[i] = fn(f[i] ?? 0, i % img.channels);
  });
  return out;
}

/** Resamples every frame (nearest or bilinear) to width×height. */
export function resizeImage(img: SimImage, width: number, height: number, method: string): SimImage {
  if (width === img.width && height === img.height) return img;
  const out = newImage(width, height, img.channels, img.frames.length);
  const ch = img.channels;
  const sx = img.width / width;
  const sy = img.height / height;
  img.frames.forEach((src, b) => {
    const dst = out.frames[b];
    if (!dst) return;
    for (let y = 0; y < height; y++) {
      const fy = Math.max(0, (y + 0.5) * sy - 0.5);
      const y0 = Math.min(img.height - 1, Math.floor(fy));
      const y1 = Math.min(img.height - 1, y0 + 1);
      const wy = method === 'nearest-exact' ? 0 : fy - y0;
      for (let x = 0; x < width; x++) {
        const fx = Math.max(0, (x + 0.5) * sx - 0.5);
        const x0 = Math.min(img.width - 1, Math.floor(fx));
        const x1 = Math.min(img.width - 1, x0 + 1);
        const wx = method === 'nearest-exact' ? 0 : fx - x0;
        for (let c = 0; c < ch; c++) {
          const p00 = src[(y0 * img.width + x0) * ch + c] ?? 0;
          const p01 = src[(y0 * img.width + x1) * ch + c] ?? 0;
          const p10 = src[(y1 * img.width + x0) * ch + c] ?? 0;
          const p11 = src[(y1 * img.width + x1) * ch + c] ?? 0;
          const top = p00 + (p01 - p00) * wx;
          const bot = p10 + (p11 - p10) * wx;
          dst[(y * width + x) * ch + c] = Math.round(top + (bot - top) * wy);
        }
      }
    }
  });
  return out;
}

export function cropImage(img: SimImage, x: number, y: number, width: number, height: number): SimImage {
  const w = Math.max(1, Math.min(width, img.width - x));
  const h = Math.max(1, Math.min(height, img.height - y));
  const out = newImage(w, h, img.channels, img.frames.length);
  const ch = img.channels;
  img.frames.forEach((src, b) => {
    const dst = out.frames[b];
    if (!dst) return;
    for (let row = 0; row < h; row++) {
      const from = ((y + row) * img.width + x) * ch;
      dst.set(src.subarray(from, from + w * ch), row * w * ch);
    }
  });
  return out;
}

/** ComfyUI's `common_upscale` with crop='center': crop to the target aspect, then resize. */
export function upscaleImage(
  img: SimImage,
  width: number,
  height: number,
  method: string,
  crop: string,
): SimImage {
  let src = img;
  if (crop === 'center') {
    const oldAspect = img.width / img.height;
    const newAspect = width / height;
    let x = 0;
    let y = 0;
    if (oldAspect > newAspect) x = Math.round((img.width - img.width * (newAspect / oldAspect)) / 2);
    else if (oldAspect < newAspect) y = Math.round((img.height - img.height * (oldAspect / newAspect)) / 2);
    src = cropImage(img, x, y, img.width - 2 * x, img.height - 2 * y);
  }
  return resizeImage(src, width, height, method);
}

/** A separable box blur applied three times (close to a Gaussian) with the given radius. */
export function blurImage(img: SimImage, radius: number): SimImage {
  if (radius <= 0) return img;
  const out = mapImage(img, (v) => v);
  const { width, height, channels: ch } = img;
  const tmp = new Float32Array(Math.max(width, height));
  const pass = (data: Uint8ClampedArray, horizontal: boolean): void => {
    const len = horizontal ? width : height;
    const lines = horizontal ? height : width;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < ch; c++) {
        const at = (i: number): number =>
          horizontal ? (line * width + i) * ch + c : (i * width + line) * ch + c;
        let sum = 0;
        for (let i = -radius; i <= radius; i++) sum += data[at(Math.min(len - 1, Math.max(0, i)))] ?? 0;
        for (let i = 0; i < len; i++) {
          tmp[i] = sum / (2 * radius + 1);
          sum +=
            (data[at(Math.min(len - 1, i + radius + 1))] ?? 0) - (data[at(Math.max(0, i - radius))] ?? 0);
        }
        for (let i = 0; i < len; i++) data[at(i)] = tmp[i] ?? 0;
      }
    }
  };
  for (const frame of out.frames) {
    for (let k = 0; k < 3; k++) {
      pass(frame, true);
      pass(frame, false);
    }
  }
  return out;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny deterministic PRNG. */
export function rng(seed: string): () => number {
  let a = fnv1a(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return 255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return [f(0), f(8), f(4)];
}

/**
 * The "generated" picture for a seed: a two-colour gradient with soft discs and ripples, all
 * derived from the seed, so the same seed and size always give the same pixels.
 */
export function drawPattern(
  dst: Uint8ClampedArray,
  width: number,
  height: number,
  seed: string,
  strength = 1,
): void {
  const r = rng(seed);
  const c1 = hsl(r(), 0.55 + r() * 0.35, 0.35 + r() * 0.3);
  const c2 = hsl(r(), 0.55 + r() * 0.35, 0.35 + r() * 0.3);
  const angle = r() * Math.PI * 2;
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const discs = Array.from({ length: 3 + Math.floor(r() * 4) }, () => ({
    x: r() * width,
    y: r() * height,
    rad: (0.08 + r() * 0.25) * Math.min(width, height),
    color: hsl(r(), 0.7, 0.5 + r() * 0.3),
  }));
  const freq = (2 + r() * 6) / Math.max(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / width - 0.5) * dx + (y / height - 0.5) * dy)));
      const ripple = 0.08 * Math.sin((x * dx - y * dy) * freq * Math.PI * 2);
      let rr = c1[0] + (c2[0] - c1[0]) * t;
      let gg = c1[1] + (c2[1] - c1[1]) * t;
      let bb = c1[2] + (c2[2] - c1[2]) * t;
      for (const d of discs) {
        const dist = Math.hypot(x - d.x, y - d.y) / d.rad;
        if (dist < 1) {
          const w = 0.6 * (1 - dist * dist);
          rr += (d.color[0] - rr) * w;
          gg += (d.color[1] - gg) * w;
          bb += (d.color[2] - bb) * w;
        }
      }
      const o = (y * width + x) * 3;
      const k = 1 + ripple;
      dst[o] = (dst[o] ?? 0) * (1 - strength) + rr * k * strength;
      dst[o + 1] = (dst[o + 1] ?? 0) * (1 - strength) + gg * k * strength;
      dst[o + 2] = (dst[o + 2] ?? 0) * (1 - strength) + bb * k * strength;
    }
  }
}

/** A torch-like `repr` of an image/mask batch, as ComfyUI puts into `current_inputs`. */
export function tensorRepr(v: SimImage | SimMask): string {
  const scalar = (x: number): string => (Number.isInteger(x) ? `${x}.` : x.toFixed(4));
  const px = (frame: Uint8ClampedArray | Float32Array, x: number, y: number): string => {
    if (v.kind === 'MASK') return scalar(Math.round((frame[y * v.width + x] ?? 0) * 1e4) / 1e4);
    const vals = Array.from({ length: v.channels }, (_, c) =>
      scalar(Math.round(((frame[(y * v.width + x) * v.channels + c] ?? 0) / 255) * 1e4) / 1e4),
    );
    return `[${vals.join(', ')}]`;
  };
  const frame = v.frames[0];
  if (!frame) return 'tensor([])';
  const row = (y: number, indent: string): string =>
    `[${px(frame, 0, y)},\n${indent}...,\n${indent}${px(frame, v.width - 1, y)}]`;
  if (v.kind === 'MASK') return `tensor([[${row(0, '         ')},\n\n        ...]])`;
  return `tensor([[${row(0, '          ')},\n\n         ...,\n\n         ${row(v.height - 1, '          ')}]])`;
}
