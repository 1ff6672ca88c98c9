import type { IncomingMessage, ServerResponse } from 'node:http';

import { dumpsPy } from './py-json.js';

/** What aiohttp sends when a handler raises. */
export const INTERNAL_ERROR_TEXT = '500 Internal Server Error\n\nServer got itself in trouble';

/** `web.json_response(value, status)`: Python-formatted JSON. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(dumpsPy(value), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** `web.Response(status=…)`: no body, octet-stream. */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0, 'Content-Type': 'application/octet-stream' });
  res.end();
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extra,
  });
  res.end(body);
}

/** aiohttp's answer to an exception in a handler: plain text, connection closed. */
export function sendInternalError(res: ServerResponse): void {
  sendText(res, 500, INTERNAL_ERROR_TEXT, { Connection: 'close' });
}

export function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...extra, 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

/** Reads the whole request body (bounded). */
export function readBody(req: IncomingMessage, limit = 256 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Thrown by handlers for "the Python side raised": answered with aiohttp's 500. */
export class HandlerCrash extends Error {
  override readonly name = 'HandlerCrash';
}
