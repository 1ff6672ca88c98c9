import { readFileSync } from 'node:fs';

// The golden transcripts recorded from the real ComfyUI server, vendored once for the whole repository
// with the simulator's conformance suite (this package's tests depend on @atelier/comfy-sim).
const root = new URL('../../comfy-sim/test/recordings/', import.meta.url);

export interface HttpExchange {
  request: { method: string; path: string; body_json?: unknown };
  response: { status: number; headers: [string, string][]; json?: unknown; text?: string };
}

export type WsFrame =
  | { frame: 'text'; raw: string; message: unknown }
  | {
      frame: 'binary';
      length: number;
      event_type_u32be: number;
      image_format_u32be: number;
      first_24_bytes_hex: string;
    };

export function httpExchange(name: string): HttpExchange {
  return JSON.parse(readFileSync(new URL(`http/${name}.json`, root), 'utf8')) as HttpExchange;
}

/** The frames of a ws transcript; `key` picks one socket's list where a file holds several. */
export function wsFrames(name: string, key = 'frames'): WsFrame[] {
  const file = JSON.parse(readFileSync(new URL(`ws/${name}.json`, root), 'utf8')) as unknown;
  if (Array.isArray(file)) return file as WsFrame[];
  return (file as Record<string, WsFrame[]>)[key] ?? [];
}

export function wsFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`ws/${name}.json`, root), 'utf8')) as Record<string, unknown>;
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}
