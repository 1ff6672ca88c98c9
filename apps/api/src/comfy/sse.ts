import type { ComfyStreamEventName } from '@atelier/contract';

/**
 * One Server-Sent Events frame. JSON.stringify never emits a raw newline, so the payload is a single
 * `data:` line and needs no splitting.
 */
export function formatSseFrame(id: string, event: ComfyStreamEventName, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: ignored by EventSource, but traffic for proxies that close idle connections. */
export const sseHeartbeat = ': ping\n\n';

/** Tells EventSource how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}
