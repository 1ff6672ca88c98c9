import { decodePng, readPngInfo, type RawImage } from './png.js';
import { drawPattern } from './sim-values.js';

export interface ImageProbe {
  format: 'PNG' | 'JPEG' | 'GIF' | 'WEBP' | 'BMP';
  width: number;
  height: number;
}

/** Recognises the image formats Pillow would open, reading only their headers. */
export function probeImage(buf: Buffer): ImageProbe | undefined {
  try {
    if (buf.length >= 24 && buf.readUInt32BE(0) === 0x89504e47) {
      const info = readPngInfo(buf);
      return { format: 'PNG', width: info.width, height: info.height };
    }
    if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8) {
      let off = 2;
      while (off + 9 < buf.length) {
        if (buf[off] !== 0xff) return undefined;
        const marker = buf[off + 1] ?? 0;
        const len = buf.readUInt16BE(off + 2);
        if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
          return { format: 'JPEG', height: buf.readUInt16BE(off + 5), width: buf.readUInt16BE(off + 7) };
        }
        off += 2 + len;
      }
      return undefined;
    }
    const head = buf.toString('latin1', 0, 16);
    if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) {
      return { format: 'GIF', width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
    }
    if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP' && buf.length >= 30) {
      const chunk = buf.toString('latin1', 12, 16);
      if (chunk === 'VP8 ')
        return {
          format: 'WEBP',
          width: buf.readUInt16LE(26) & 0x3fff,
          height: buf.readUInt16LE(28) & 0x3fff,
        };
      if (chunk === 'VP8L') {
        const bits = buf.readUInt32LE(21);
        return { format: 'WEBP', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8X')
        return { format: 'WEBP', width: buf.readUIntLE(24, 3) + 1, height: buf.readUIntLE(27, 3) + 1 };
      return undefined;
    }
    if (head.startsWith('BM') && buf.length >= 26) {
      return { format: 'BMP', width: buf.readInt32LE(18), height: Math.abs(buf.readInt32LE(22)) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Pixels of an image file. PNGs are decoded for real; other formats (which the simulator has no
 * decoder for) become a deterministic picture of the right size, derived from the file's bytes.
 */
export function loadRawImage(buf: Buffer): RawImage | undefined {
  const probe = probeImage(buf);
  if (!probe || probe.width <= 0 || probe.height <= 0) return undefined;
  if (probe.format === 'PNG') {
    try {
      return decodePng(buf);
    } catch {
      // Interlaced or damaged: fall through to a stand-in of the right size.
    }
  }
  const data = new Uint8Array(probe.width * probe.height * 3);
  const clamped = new Uint8ClampedArray(data.buffer);
  drawPattern(
    clamped,
    probe.width,
    probe.height,
    `file:${buf.length}:${buf.subarray(0, 64).toString('hex')}`,
  );
  return { width: probe.width, height: probe.height, channels: 3, data };
}

export const MIME_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  json: 'application/json',
  txt: 'text/plain',
  mp4: 'video/mp4',
  webm: 'video/webm',
  flac: 'audio/flac',
  wav: 'audio/x-wav',
  mp3: 'audio/mpeg',
  latent: 'application/octet-stream',
};
