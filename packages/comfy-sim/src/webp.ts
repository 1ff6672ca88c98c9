import type { RawImage } from './png.js';

/**
 * A tiny lossless WebP (VP8L) encoder for `/view?preview=webp`: no transforms, no back-references,
 * fixed 8-bit prefix codes. Files are larger than libwebp's but valid for every decoder.
 */

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;

  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.n > 0) this.bytes.push(this.acc);
    return Buffer.from(this.bytes);
  }
}

const REVERSED = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let r = 0;
    for (let b = 0; b < 8; b++) r |= ((i >> b) & 1) << (7 - b);
    t[i] = r;
  }
  return t;
})();

// Code-length code: only lengths 0 and 8 occur, each gets a 1-bit code (0 → "0", 8 → "1").
// kCodeLengthCodeOrder = 17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, …: the first 12 entries reach symbol 8.
const CODE_LENGTH_ORDER_PREFIX = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8];

function writeFixedCode(w: BitWriter, alphabetSize: number): void {
  w.write(0, 1); // normal (not simple) code
  w.write(CODE_LENGTH_ORDER_PREFIX.length - 4, 4);
  for (const sym of CODE_LENGTH_ORDER_PREFIX) w.write(sym === 0 || sym === 8 ? 1 : 0, 3);
  w.write(0, 1); // max_symbol = alphabet size
  for (let s = 0; s < alphabetSize; s++) w.write(s < 256 ? 1 : 0, 1);
}

export function encodeWebpLossless(img: RawImage): Buffer {
  const { width, height, channels, data } = img;
  const px = (i: number, c: number): number => {
    if (channels === 1 || channels === 2)
      return c === 3 ? (channels === 2 ? (data[i * 2 + 1] ?? 255) : 255) : (data[i * channels] ?? 0);
    if (c === 3) return channels === 4 ? (data[i * 4 + 3] ?? 255) : 255;
    return data[i * channels + c] ?? 0;
  };
  let hasAlpha = false;
  for (let i = 0; i < width * height && !hasAlpha; i++) hasAlpha = px(i, 3) !== 255;

  const w = new BitWriter();
  w.write(0x2f, 8);
  w.write(width - 1, 14);
  w.write(height - 1, 14);
  w.write(hasAlpha ? 1 : 0, 1);
  w.write(0, 3); // version
  w.write(0, 1); // no transform
  w.write(0, 1); // no color cache
  w.write(0, 1); // no meta prefix codes
  writeFixedCode(w, 256 + 24); // green + length prefixes
  writeFixedCode(w, 256); // red
  writeFixedCode(w, 256); // blue
  writeFixedCode(w, 256); // alpha
  w.write(1, 1); // distance: simple code with one symbol (never used)
  w.write(0, 1);
  w.write(0, 1);
  w.write(0, 1);
  for (let i = 0; i < width * height; i++) {
    w.write(REVERSED[px(i, 1)] ?? 0, 8);
    w.write(REVERSED[px(i, 0)] ?? 0, 8);
    w.write(REVERSED[px(i, 2)] ?? 0, 8);
    w.write(REVERSED[px(i, 3)] ?? 0, 8);
  }
  const vp8l = w.finish();
  const pad = vp8l.length % 2;
  const header = Buffer.alloc(20);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(12 + vp8l.length + pad, 4);
  header.write('WEBPVP8L', 8, 'latin1');
  header.writeUInt32LE(vp8l.length, 16);
  return Buffer.concat([header, vp8l, Buffer.alloc(pad)]);
}
