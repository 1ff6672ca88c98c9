import { describe, expect, it } from 'vitest';
import { decodeBinaryFrame, encodePreviewFrame } from '../src/index.js';
import { fromHex, wsFrames } from './fixtures.js';

describe('binary preview frames', () => {
  it('decodes the header the real server sent (event 1, PNG) and strips it', () => {
    const binary = wsFrames('run_binary_frames_SaveImageWebsocket').filter((f) => f.frame === 'binary');
    expect(binary).toHaveLength(2);
    for (const frame of binary) {
      if (frame.frame !== 'binary') continue;
      const decoded = decodeBinaryFrame(fromHex(frame.first_24_bytes_hex));
      expect(decoded).toMatchObject({
        kind: 'preview',
        preview: { format: 'png', mimeType: 'image/png', formatCode: 2 },
      });
      if (decoded.kind !== 'preview') continue;
      expect(Array.from(decoded.preview.bytes.subarray(0, 8))).toEqual([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
      ]);
      expect(decoded.preview.bytes.byteLength).toBe(16);
    }
  });

  it('round-trips a JPEG preview, also from an offset view of a larger buffer', () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const frame = encodePreviewFrame(jpeg, 1);
    const padded = new Uint8Array(frame.byteLength + 5);
    padded.set(frame, 5);
    const decoded = decodeBinaryFrame(padded.subarray(5));
    expect(decoded).toEqual({
      kind: 'preview',
      preview: { format: 'jpeg', mimeType: 'image/jpeg', formatCode: 1, bytes: jpeg },
    });
  });

  it('passes other event types, unknown formats and short frames through without throwing', () => {
    const other = Uint8Array.from([0, 0, 0, 3, 0, 0, 0, 2, 9]);
    expect(decodeBinaryFrame(other)).toEqual({ kind: 'unknown', eventType: 3, bytes: other });
    expect(decodeBinaryFrame(Uint8Array.from([0, 0]))).toMatchObject({ kind: 'unknown', eventType: null });
    expect(decodeBinaryFrame(Uint8Array.from([0, 0, 0, 1, 0]))).toMatchObject({
      kind: 'unknown',
      eventType: 1,
    });
    expect(decodeBinaryFrame(encodePreviewFrame(Uint8Array.from([1]), 7))).toMatchObject({
      kind: 'preview',
      preview: { format: 'unknown', mimeType: 'application/octet-stream', formatCode: 7 },
    });
  });
});
