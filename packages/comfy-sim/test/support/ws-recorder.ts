import { createHash } from 'node:crypto';

import WebSocket from 'ws';

import { parsePyJson } from '../../src/py-json.js';
import type { Json } from './transcripts.js';

export type Frame =
  | { frame: 'text'; message: Json }
  | {
      frame: 'binary';
      length: number;
      event_type_u32be: number;
      image_format_u32be: number;
      first_24_bytes_hex: string;
      payload_after_8_bytes_sha256: string;
    };

export function frameType(f: Frame): string {
  return f.frame === 'binary' ? 'binary' : String(f.message.type);
}

/** A recorded transcript frame in the same form as a live one. */
export function recordedFrame(f: Json): Frame {
  if (f.frame === 'binary') {
    const { recv_ms: _r, ...rest } = f;
    return rest as Frame;
  }
  return { frame: 'text', message: f.message };
}

/** A /ws client that keeps every frame it receives, in order. */
export class WsRecorder {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.frames.push({
          frame: 'binary',
          length: data.length,
          event_type_u32be: data.readUInt32BE(0),
          image_format_u32be: data.readUInt32BE(4),
          first_24_bytes_hex: data.subarray(0, 24).toString('hex'),
          payload_after_8_bytes_sha256: createHash('sha256').update(data.subarray(8)).digest('hex'),
        });
      } else {
        this.frames.push({ frame: 'text', message: parsePyJson(data.toString('utf8')) });
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(baseUrl: string, clientId?: string): Promise<WsRecorder> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws${clientId === undefined ? '' : `?clientId=${encodeURIComponent(clientId)}`}`;
    const ws = new WebSocket(url);
    const rec = new WsRecorder(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(rec));
      ws.once('error', reject);
    });
  }

  mark(): number {
    return this.frames.length;
  }

  since(mark: number): Frame[] {
    return this.frames.slice(mark);
  }

  /** Resolves with the index of the first frame at or after `from` matching `pred`. */
  async waitFor(pred: (f: Frame) => boolean, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f, k) => k >= from && pred(f));
      if (i >= 0) return i;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for a frame; got ${this.frames.slice(from).map(frameType).join(',')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitForType(type: string, from = 0, extra: (m: Json) => boolean = () => true): Promise<number> {
    return this.waitFor((f) => f.frame === 'text' && f.message.type === type && extra(f.message.data), from);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export const isDone = (promptId: string) => (f: Frame) =>
  f.frame === 'text' &&
  f.message.type === 'executing' &&
  f.message.data.node === null &&
  f.message.data.prompt_id === promptId;

export const isIdleStatus = (f: Frame) =>
  f.frame === 'text' && f.message.type === 'status' && f.message.data.status.exec_info.queue_remaining === 0;
