import type { ComfyImageRef } from '@atelier/contract';
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { AppError } from '../common/app-error.js';

/** Sockets kept to ComfyUI: as many idle as may be busy, so a burst of thumbnails does not reconnect. */
const maxSockets = 32;

/**
 * GET /view on ComfyUI as a Node stream. Images are the one large payload between ComfyUI and us, and
 * the client package's fetch → web-stream path costs about twice the CPU per byte of node:http piping
 * (measured by `pnpm bench`); it also does not expose ETag/Last-Modified. So the view proxy opens the
 * request itself: keep-alive agent, no Origin header, an idle timeout, a retry on each stale kept-alive
 * socket, and ComfyUI's answers mapped to API errors (its URL never appears in them). The base URL is
 * parsed once; each view only builds its path.
 */
export class ViewUpstream {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly target: RequestOptions;
  private readonly viewPath: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(baseUrl);
    const isHttps = url.protocol === 'https:';
    const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
    this.agent = isHttps ? new HttpsAgent(options) : new HttpAgent(options);
    this.send = isHttps ? httpsRequest : httpRequest;
    const { protocol, hostname, port, auth } = urlToHttpOptions(url);
    this.target = { protocol, hostname, port, auth, agent: this.agent };
    this.viewPath = `${url.pathname.replace(/\/+$/, '')}/view?`;
  }

  /**
   * The 200 response with its body unread; 404 → `not_found`, other failures → `comfy.*`. With
   * `ifNoneMatch` (an ETag ComfyUI sent earlier) the answer may also be a 304, its (empty) body drained.
   */
  async open(ref: ComfyImageRef, ifNoneMatch?: string): Promise<IncomingMessage> {
    const path = `${this.viewPath}filename=${formEncode(ref.filename)}&subfolder=${formEncode(ref.subfolder)}&type=${ref.type}`;
    let response: IncomingMessage | undefined;
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await this.get(path, ifNoneMatch);
      } catch (error) {
        // The server closed a kept-alive connection just as we reused it: the request never arrived. The
        // dead socket leaves the pool, so retrying ends on a fresh connection once the kept ones are spent.
        if (!(error instanceof StaleSocketError) || attempt >= maxSockets) throw toAppError(error);
      }
    }
    if (response.statusCode === 200) return response;
    response.resume();
    if (response.statusCode === 304 && ifNoneMatch !== undefined) return response;
    const status = response.statusCode ?? 0;
    if (status === 404) throw noSuchImage();
    if (status === 400 || status === 403)
      throw new AppError('validation_failed', 'ComfyUI refused the image path');
    throw new AppError('comfy.upstream_error', `ComfyUI answered ${status}`, { upstream_status: status });
  }

  close(): void {
    this.agent.destroy();
  }

  private get(path: string, ifNoneMatch: string | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders =
        ifNoneMatch === undefined
          ? { Accept: 'image/*' }
          : { Accept: 'image/*', 'If-None-Match': ifNoneMatch };
      const request = this.send({ ...this.target, path, headers }, resolve);
      // Idle time, reset by every packet: also bounds a download that stalls half-way.
      request.setTimeout(this.timeoutMs, () => request.destroy(new UpstreamTimeoutError()));
      request.on('error', (error) => {
        reject(request.reusedSocket && isReset(error) ? new StaleSocketError() : error);
      });
      request.end();
    });
  }
}

/** As URLSearchParams writes a value (what ComfyUI was always sent); names made of safe characters as they are. */
function formEncode(value: string): string {
  return /^[\w.-]*$/.test(value) ? value : new URLSearchParams([['', value]]).toString().slice(1);
}

/** ComfyUI's 404, and the answer for an image the caller may not see: the two must not be told apart. */
export function noSuchImage(): AppError {
  return new AppError('not_found', 'ComfyUI has no such image');
}

class UpstreamTimeoutError extends Error {}
class StaleSocketError extends Error {}

function isReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof UpstreamTimeoutError)
    return new AppError('comfy.timeout', 'ComfyUI did not answer in time');
  return new AppError('comfy.unreachable', 'ComfyUI is unreachable');
}
