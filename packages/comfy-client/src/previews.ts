// Binary WebSocket frames: a 4-byte big-endian event type, then the payload. For PREVIEW_IMAGE (1) the
// payload is a 4-byte big-endian image format (1 = JPEG, 2 = PNG) followed by the encoded image.

export const PREVIEW_IMAGE_EVENT = 1;

export type PreviewFormat = 'jpeg' | 'png' | 'unknown';

/** A decoded sampler preview (or an image pushed by SaveImageWebsocket). */
export interface PreviewImage {
  format: PreviewFormat;
  /** `image/jpeg`, `image/png`, or `application/octet-stream` for a format code this package does not know. */
  mimeType: string;
  /** The raw format code from the header. */
  formatCode: number;
  /** The encoded image, without the 8-byte header. */
  bytes: Uint8Array;
}

export type DecodedBinaryFrame =
  | { kind: 'preview'; preview: PreviewImage }
  | { kind: 'unknown'; eventType: number | null; bytes: Uint8Array };

const formats: Record<number, { format: PreviewFormat; mimeType: string }> = {
  1: { format: 'jpeg', mimeType: 'image/jpeg' },
  2: { format: 'png', mimeType: 'image/png' },
};

/** Decodes one binary frame; other event types (newer servers add some) come back as `unknown`. */
export function decodeBinaryFrame(frame: Uint8Array): DecodedBinaryFrame {
  if (frame.byteLength < 4) return { kind: 'unknown', eventType: null, bytes: frame };
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const eventType = view.getUint32(0, false);
  if (eventType !== PREVIEW_IMAGE_EVENT || frame.byteLength < 8)
    return { kind: 'unknown', eventType, bytes: frame };
  const formatCode = view.getUint32(4, false);
  const known = formats[formatCode] ?? { format: 'unknown', mimeType: 'application/octet-stream' };
  return { kind: 'preview', preview: { ...known, formatCode, bytes: frame.subarray(8) } };
}

/** Builds a PREVIEW_IMAGE frame (the inverse of `decodeBinaryFrame`; handy for tests and simulators). */
export function encodePreviewFrame(bytes: Uint8Array, formatCode: number): Uint8Array {
  const frame = new Uint8Array(8 + bytes.byteLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, PREVIEW_IMAGE_EVENT, false);
  view.setUint32(4, formatCode, false);
  frame.set(bytes, 8);
  return frame;
}
