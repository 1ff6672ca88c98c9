import type { ErrorCode } from '@atelier/contract';

/** A JSON answer as the API sends one (no body: an empty one, e.g. for 204). */
export function reply(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** An error answer with the API's error body (code, message, details). */
export function fail(status: number, code: ErrorCode, message: string, details?: unknown): Response {
  return reply(status, { code, message, details });
}
