import { deflateSync, inflateSync } from 'node:zlib';

/** 8-bit pixels, row-major, `channels` interleaved samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length, 0);
  head.write(type, 4, 'latin1');
  const body = Buffer.concat([head.subarray(4), payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([head.subarray(0, 4), body, crc]);
}

const COLOR_TYPE: Record<RawImage['channels'], number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

export interface PngEncodeOptions {
  /** tEXt chunks, written after IHDR like Pillow's PngInfo (values must be Latin-1). */
  texts?: readonly (readonly [string, string])[];
  /** zlib level: ComfyUI's SaveImage uses 4, PreviewImage 1. */
  level?: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Sum of |signed byte| — Pillow's (and libpng's) heuristic for choosing a row filter. */
function cost(row: Uint8Array): number {
  let sum = 0;
  for (let i = 1; i < row.length; i++) {
    const v = row[i] ?? 0;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

/** Filters each row the way Pillow does (try none, up, sub, paeth; keep the cheapest). */
function filterRows(img: RawImage): Buffer {
  const bpp = img.channels;
  const stride = img.width * bpp;
  const out = Buffer.alloc((stride + 1) * img.height);
  const none = new Uint8Array(stride + 1);
  const cand = new Uint8Array(stride + 1);
  const zero = new Uint8Array(stride);
  for (let y = 0; y < img.height; y++) {
    const cur = img.data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? img.data.subarray((y - 1) * stride, y * stride) : zero;
    none[0] = 0;
    none.set(cur, 1);
    let best = none.slice();
    let bestCost = cost(none);
    const tryFilter = (type: number, f: (i: number) => number): void => {
      if (bestCost === 0) return;
      cand[0] = type;
      for (let i = 0; i < stride; i++) cand[i + 1] = ((cur[i] ?? 0) - f(i)) & 0xff;
      const c = cost(cand);
      if (c < bestCost) {
        bestCost = c;
        best = cand.slice();
      }
    };
    tryFilter(2, (i) => prev[i] ?? 0);
    tryFilter(1, (i) => (i >= bpp ? (cur[i - bpp] ?? 0) : 0));
    tryFilter(4, (i) =>
      paeth(i >= bpp ? (cur[i - bpp] ?? 0) : 0, prev[i] ?? 0, i >= bpp ? (prev[i - bpp] ?? 0) : 0),
    );
    out.set(best, y * (stride + 1));
  }
  return out;
}

export function encodePng(img: RawImage, opts: PngEncodeOptions = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = COLOR_TYPE[img.channels];
  const parts = [SIGNATURE, chunk('IHDR', ihdr)];
  for (const [key, value] of opts.texts ?? []) {
    parts.push(
      chunk(
        'tEXt',
        Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]),
      ),
    );
  }
  const idat = deflateSync(filterRows(img), { level: opts.level ?? 6, memLevel: 9 });
  // Pillow flushes its encoder buffer every 64 KiB, one IDAT each.
  for (let off = 0; off < idat.length || off === 0; off += 65536) {
    parts.push(chunk('IDAT', idat.subarray(off, off + 65536)));
  }
  parts.push(chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  texts: Record<string, string>;
}

export class PngDecodeError extends Error {
  override readonly name = 'PngDecodeError';
}

function readChunks(buf: Buffer): { type: string; data: Buffer }[] {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new PngDecodeError('not a PNG file');
  const chunks: { type: string; data: Buffer }[] = [];
  let off = 8;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > buf.length) throw new PngDecodeError('truncated chunk ' + type);
    chunks.push({ type, data: buf.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** Header and tEXt chunks of a PNG, without decoding pixels. */
export function readPngInfo(buf: Buffer): PngInfo {
  const chunks = readChunks(buf);
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || ihdr.data.length < 13) throw new PngDecodeError('missing IHDR');
  const texts: Record<string, string> = {};
  for (const c of chunks) {
    if (c.type !== 'tEXt') continue;
    const nul = c.data.indexOf(0);
    if (nul > 0) texts[c.data.toString('latin1', 0, nul)] = c.data.toString('latin1', nul + 1);
  }
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8] ?? 0,
    colorType: ihdr.data[9] ?? 0,
    interlace: ihdr.data[12] ?? 0,
    texts,
  };
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Decodes a non-interlaced PNG (any bit depth / colour type) to 8-bit RGB or RGBA. */
export function decodePng(buf: Buffer): RawImage {
  const info = readPngInfo(buf);
  const chunks = readChunks(buf);
  const { width, height, bitDepth, colorType } = info;
  const samples = SAMPLES[colorType];
  if (samples === undefined || ![1, 2, 4, 8, 16].includes(bitDepth)) throw new PngDecodeError('bad IHDR');
  if (info.interlace !== 0) throw new PngDecodeError('interlaced PNG not supported');
  const palette = chunks.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.find((c) => c.type === 'tRNS')?.data;
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const bitsPP = samples * bitDepth;
  const bpp = Math.max(1, bitsPP >> 3);
  const stride = Math.ceil((width * bitsPP) / 8);
  if (raw.length < (stride + 1) * height) throw new PngDecodeError('truncated image data');
  const lines = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = lines.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? lines.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? (cur[i - bpp] ?? 0) : 0;
      const b = prev[i] ?? 0;
      const c = i >= bpp ? (prev[i - bpp] ?? 0) : 0;
      const x = src[i] ?? 0;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + a;
      else if (type === 2) v = x + b;
      else if (type === 3) v = x + ((a + b) >> 1);
      else if (type === 4) v = x + paeth(a, b, c);
      else throw new PngDecodeError('bad filter type');
      cur[i] = v & 0xff;
    }
  }
  const sample = (y: number, idx: number): number => {
    const row = y * stride;
    if (bitDepth === 8) return lines[row + idx] ?? 0;
    if (bitDepth === 16) return lines[row + idx * 2] ?? 0;
    const perByte = 8 / bitDepth;
    const byte = lines[row + Math.floor(idx / perByte)] ?? 0;
    const shift = 8 - bitDepth * ((idx % perByte) + 1);
    return (byte >> shift) & ((1 << bitDepth) - 1);
  };
  const scale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1;
  const hasAlpha = colorType === 4 || colorType === 6 || trns !== undefined;
  const channels = hasAlpha ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      let r: number, g: number, b: number;
      let a = 255;
      if (colorType === 3) {
        const idx = sample(y, x);
        r = palette?.[idx * 3] ?? 0;
        g = palette?.[idx * 3 + 1] ?? 0;
        b = palette?.[idx * 3 + 2] ?? 0;
        if (trns && idx < trns.length) a = trns[idx] ?? 255;
      } else if (colorType === 0 || colorType === 4) {
        const raw0 = sample(y, x * samples);
        r = g = b = Math.round(raw0 * scale);
        if (colorType === 4) a = sample(y, x * samples + 1);
        else if (trns && trns.length >= 2 && raw0 === trns.readUInt16BE(0) >> (bitDepth === 16 ? 8 : 0))
          a = 0;
      } else {
        r = sample(y, x * samples);
        g = sample(y, x * samples + 1);
        b = sample(y, x * samples + 2);
        if (colorType === 6) a = sample(y, x * samples + 3);
      }
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      if (channels === 4) data[o + 3] = a;
    }
  }
  return { width, height, channels, data };
}
