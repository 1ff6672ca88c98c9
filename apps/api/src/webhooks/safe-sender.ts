import { Inject, Injectable, Optional } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { AddressPolicy, hostnameOf, portOf } from './address-policy.js';

/** The most a try may take, connect to last byte read. */
export const webhookTimeoutMs = 10_000;
/** The most of an answer's body read; the rest is not waited for. */
export const webhookMaxResponseBytes = 64 * 1024;
const excerptBytes = 1024;

export interface SendRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
  /** Aborts the try (shutdown); the result then has `aborted: true`. */
  signal?: AbortSignal;
}

export interface SendResult {
  /** The answer's status; null when there was none (refused, unreachable, timed out). */
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** The first KB of the body, as text. */
  excerpt: string | null;
  aborted: boolean;
}

class Refused extends Error {}

/** Every address a name resolves to (node:dns `lookup` with `all: true`); a provider, so tests can stand in for DNS. */
export type ResolveAll = (
  hostname: string,
  options: Pick<LookupAllOptions, 'family' | 'hints'>,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;
export const WEBHOOK_RESOLVE_ALL = Symbol('WEBHOOK_RESOLVE_ALL');
const systemResolveAll: ResolveAll = (hostname, options, callback) =>
  dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, callback);

/**
 * POSTs a webhook without letting its URL turn Atelier against its own network: the URL's literal address is
 * checked first, every address DNS returns is checked before connecting (the socket connects only to what the
 * checked lookup returned), and the connected socket's peer is checked again. No redirect is followed (a 3xx is
 * just a failed try), no socket is reused (agent: false), and time and the bytes read are capped.
 */
@Injectable()
export class SafeSender {
  constructor(
    private readonly policy: AddressPolicy,
    @Optional() @Inject(WEBHOOK_RESOLVE_ALL) private readonly resolveAll: ResolveAll = systemResolveAll,
  ) {}

  send(request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const done = (partial: Omit<SendResult, 'latencyMs' | 'aborted'>, aborted = false): SendResult => ({
      ...partial,
      latencyMs: Math.round(performance.now() - started),
      aborted,
    });
    const refusal = this.policy.checkUrl(request.url);
    if (refusal !== null)
      return Promise.resolve(done({ status: null, error: `refused: ${refusal}`, excerpt: null }));
    const url = new URL(request.url);
    const hostname = hostnameOf(url);
    const port = portOf(url);

    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const fail = (error: unknown) => {
        const message = error instanceof Refused ? `refused: ${error.message}` : errorText(error);
        finish(done({ status: null, error: message, excerpt: null }, request.signal?.aborted === true));
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(url, {
        method: 'POST',
        agent: false,
        lookup: this.checkedLookup(hostname, port),
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': 'Atelier-Webhooks',
        },
      });
      const timer = setTimeout(
        () => outgoing.destroy(new Error(`no answer within ${webhookTimeoutMs / 1000} s`)),
        webhookTimeoutMs,
      );
      const onAbort = () => outgoing.destroy(new Error('aborted'));
      request.signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('socket', (socket: Socket) => {
        socket.once('connect', () => {
          const peer = socket.remoteAddress;
          if (peer === undefined || !this.policy.admits(hostname, port, peer)) {
            outgoing.destroy(new Refused(`connected to ${peer ?? 'an unknown address'}`));
          }
        });
      });
      outgoing.on('error', fail);
      outgoing.on('response', (response: IncomingMessage) => {
        readCapped(response, (body) => {
          const status = response.statusCode ?? null;
          const excerpt = body.subarray(0, excerptBytes).toString('utf8');
          const redirect = status !== null && status >= 300 && status < 400;
          finish(done({ status, error: redirect ? 'redirect not followed' : null, excerpt }));
          outgoing.destroy();
        });
      });
      outgoing.end(request.body);
    });
  }

  /** A lookup that answers only with addresses the policy admits: any refused address fails the whole name. */
  private checkedLookup(hostname: string, port: number): LookupFunction {
    return (name, options, callback) => {
      this.resolveAll(name, options, (error, addresses) => {
        if (error) return callback(error, '', 4);
        const bad = addresses.find((entry) => !this.policy.admits(hostname, port, entry.address));
        if (bad || addresses.length === 0) {
          return callback(new Refused(`${name} resolves to ${bad?.address ?? 'nothing'}`), '', 4);
        }
        if (options.all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const [first] = addresses as [LookupAddress];
        callback(null, first.address, first.family);
      });
    };
  }
}

/** Reads at most webhookMaxResponseBytes of the body, then stops (without waiting for the rest). */
function readCapped(response: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const end = () => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks));
  };
  response.on('data', (chunk: Buffer) => {
    if (finished) return;
    chunks.push(chunk.subarray(0, webhookMaxResponseBytes - size));
    size += chunk.length;
    if (size >= webhookMaxResponseBytes) {
      end();
      response.destroy();
    }
  });
  response.on('end', end);
  response.on('error', end);
  response.on('close', end);
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
