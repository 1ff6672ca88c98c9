/**
 * The workflow and prompt ComfyUI embeds in the images it saves, for "import from an image":
 * - PNG (SaveImage): text chunks `workflow` (UI workflow) and `prompt` (API prompt);
 * - WebP (SaveAnimatedWEBP): an `EXIF` chunk whose IFD0 holds ASCII tags `"workflow:<json>"` (0x010F, Make) and
 *   `"prompt:<json>"` (0x0110, Model); further extra_pnginfo keys count down from 0x010E, so every ASCII tag of
 *   IFD0 is read and matched by its prefix, as the ComfyUI frontend does.
 * Bounded (entries, chunk counts, sizes) and never throws: a damaged file yields what could be read.
 */
import { parsePythonJson } from './python-json.js';
import { readPngTextChunks } from './png-text-chunks.js';

export interface EmbeddedWorkflow {
  workflow?: unknown;
  prompt?: unknown;
}

/** RIFF chunks before the EXIF one in a real file: a handful (VP8X, ICCP, ANIM, ANMF frames…). */
const maxRiffChunks = 10_000;
/** IFD0 entries read: cameras write a few dozen. */
const maxIfdEntries = 1_000;
const asciiType = 2;

function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function fourCc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

/** The EXIF chunk's payload of a WebP file, or null. */
function webpExif(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < 12 || fourCc(bytes, 0) !== 'RIFF' || fourCc(bytes, 8) !== 'WEBP') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 12;
  for (let count = 0; count < maxRiffChunks && offset + 8 <= bytes.length; count += 1) {
    const type = fourCc(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const start = offset + 8;
    if (start + size > bytes.length) return null;
    if (type === 'EXIF') return bytes.subarray(start, start + size);
    // Chunks are padded to an even size.
    offset = start + size + (size % 2);
  }
  return null;
}

/** Every ASCII value of a TIFF block's IFD0 (NULs trimmed). */
function ifd0Strings(block: Uint8Array): string[] {
  // PIL writes "Exif\0\0" before the TIFF header; other writers do not.
  const tiff = ascii(block.subarray(0, 6)) === 'Exif\0\0' ? block.subarray(6) : block;
  if (tiff.length < 8) return [];
  const order = ascii(tiff.subarray(0, 2));
  if (order !== 'II' && order !== 'MM') return [];
  const little = order === 'II';
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, little) !== 42) return [];
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return [];
  const count = Math.min(view.getUint16(ifd, little), maxIfdEntries);
  const strings: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    if (view.getUint16(entry + 2, little) !== asciiType) continue;
    const length = view.getUint32(entry + 4, little);
    const start = length <= 4 ? entry + 8 : view.getUint32(entry + 8, little);
    if (start + length > tiff.length) continue;
    strings.push(ascii(tiff.subarray(start, start + length)).replace(/\0+$/, ''));
  }
  return strings;
}

function parsed(text: string | undefined): unknown {
  return text === undefined ? undefined : parsePythonJson(text);
}

function withDefined(workflow: unknown, prompt: unknown): EmbeddedWorkflow {
  return {
    ...(workflow !== undefined && workflow !== null ? { workflow } : {}),
    ...(prompt !== undefined && prompt !== null ? { prompt } : {}),
  };
}

function fromWebp(bytes: Uint8Array): EmbeddedWorkflow {
  const exif = webpExif(bytes);
  if (!exif) return {};
  let workflow: string | undefined;
  let prompt: string | undefined;
  for (const value of ifd0Strings(exif)) {
    const colon = value.indexOf(':');
    const key = colon > 0 ? value.slice(0, colon) : '';
    if (key === 'workflow' && workflow === undefined) workflow = value.slice(colon + 1);
    if (key === 'prompt' && prompt === undefined) prompt = value.slice(colon + 1);
  }
  return withDefined(parsed(workflow), parsed(prompt));
}

/** Which image format the bytes are, as far as embedded workflows go. */
export function embeddedFormatOf(bytes: Uint8Array): 'png' | 'webp' | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < 12) return null;
  if (bytes[0] === 0x89 && fourCc(bytes, 1) === 'PNG\r') return 'png';
  if (fourCc(bytes, 0) === 'RIFF' && fourCc(bytes, 8) === 'WEBP') return 'webp';
  return null;
}

/**
 * The `workflow` (UI) and `prompt` (API) ComfyUI embedded in a PNG or WebP, parsed; keys are absent when the
 * file has none or its text is not JSON. Anything else (or garbage): `{}`.
 */
export function embeddedWorkflowOf(bytes: Uint8Array): EmbeddedWorkflow {
  try {
    const format = embeddedFormatOf(bytes);
    if (format === 'webp') return fromWebp(bytes);
    if (format !== 'png') return {};
    const chunks = readPngTextChunks(bytes);
    return withDefined(parsed(chunks.workflow), parsed(chunks.prompt));
  } catch {
    // Readers are bounded and checked; this is the promise of "never throws" for what they missed.
    return {};
  }
}
