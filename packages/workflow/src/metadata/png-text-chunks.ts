/**
 * The text chunks of a PNG (tEXt, zTXt, iTXt), where ComfyUI embeds `prompt` and `workflow` and A1111-style tools
 * embed `parameters`. Reads the chunks before the image data only; a truncated or malformed file yields what was
 * read so far, and a compressed chunk that would inflate past `maxInflatedBytes` is skipped.
 */
import { inflateSync } from 'node:zlib';

import { hasOwn } from '../json.js';

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** ComfyUI's workflows are tens of KiB; a compressed chunk may not inflate past this. */
const maxInflatedBytes = 8 * 1024 * 1024;
/** Chunks before IDAT in a real file: a handful. */
const maxChunks = 1_000;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Inflated bytes, or null when the stream is corrupt or too large. */
function inflate(bytes: Uint8Array): Uint8Array | null {
  try {
    return inflateSync(bytes, { maxOutputLength: maxInflatedBytes });
  } catch {
    return null;
  }
}

/** The bytes up to the next NUL from `start`, and where the rest begins; null without a NUL. */
function untilNul(data: Uint8Array, start: number): { bytes: Uint8Array; next: number } | null {
  const end = data.indexOf(0, start);
  return end < 0 ? null : { bytes: data.subarray(start, end), next: end + 1 };
}

/** One text chunk's keyword and text, or null when it is malformed. */
function readTextChunk(type: string, data: Uint8Array): [string, string] | null {
  const keyword = untilNul(data, 0);
  if (!keyword || keyword.bytes.length === 0 || keyword.bytes.length > 79) return null;
  const key = latin1(keyword.bytes);
  if (type === 'tEXt') return [key, latin1(data.subarray(keyword.next))];
  if (type === 'zTXt') {
    // One byte of method (0 = deflate), then the zlib stream.
    if (data[keyword.next] !== 0) return null;
    const text = inflate(data.subarray(keyword.next + 1));
    return text ? [key, latin1(text)] : null;
  }
  // iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text.
  const compressed = data[keyword.next];
  const method = data[keyword.next + 1];
  const language = untilNul(data, keyword.next + 2);
  const translated = language ? untilNul(data, language.next) : null;
  if (!translated || (compressed !== 0 && compressed !== 1)) return null;
  const body = data.subarray(translated.next);
  if (compressed === 0) return [key, utf8(body)];
  if (method !== 0) return null;
  const text = inflate(body);
  return text ? [key, utf8(text)] : null;
}

/**
 * Keyword → text of every text chunk before the first IDAT (the first chunk of a keyword wins). Not a PNG, or a
 * broken one: what could be read, possibly `{}`. CRCs are not checked: a damaged chunk just reads as damaged text.
 */
export function readPngTextChunks(bytes: Uint8Array): Record<string, string> {
  const chunks: Record<string, string> = {};
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) return chunks;
  if (signature.some((byte, i) => bytes[i] !== byte)) return chunks;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  for (let count = 0; count < maxChunks && offset + 8 <= bytes.length; count += 1) {
    const length = view.getUint32(offset);
    const type = latin1(bytes.subarray(offset + 4, offset + 8));
    const start = offset + 8;
    if (type === 'IDAT' || type === 'IEND' || start + length > bytes.length) break;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const entry = readTextChunk(type, bytes.subarray(start, start + length));
      if (entry && !hasOwn(chunks, entry[0])) {
        Object.defineProperty(chunks, entry[0], {
          value: entry[1],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    offset = start + length + 4;
  }
  return chunks;
}
