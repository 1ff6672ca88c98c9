import type { ComfyImageRef } from '@atelier/contract';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AppError } from '../common/app-error.js';

/**
 * GET /view on ComfyUI as a Node stream. Images are the one large payload between ComfyUI and us, and
 * the client package's fetch → web-stream path costs about twice the CPU per byte of node:http piping
 * (measured by `pnpm bench`); it also does not expose ETag/Last-Modified. So the view proxy opens the
 * request itself: keep-alive agent, no Origin header, an idle timeout, one retry on a stale kept-alive
 * socket, and ComfyUI's answers mapped to API errors (its URL never appears in them).
 */
export class ViewUpstream {
  private readonly agent: HttpAgent;
  private readonly isHttps: boolean;

  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.isHttps = baseUrl.startsWith('https:');
    const options = { keepAlive: true, maxSockets: 32, maxFreeSockets: 8 };
    this.agent = this.isHttps ? new HttpsAgent(options) : new HttpAgent(options);
  }

  /**
   * The 200 response with its body unread; 404 → `not_found`, other failures → `comfy.*`. With
   * `ifNoneMatch` (an ETag ComfyUI sent earlier) the answer may also be a 304, its (empty) body drained.
   */
  async open(ref: ComfyImageRef, ifNoneMatch?: string): Promise<IncomingMessage> {
    const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
    const url = `${this.baseUrl}/view?${query.toString()}`;
    let response: IncomingMessage;
    try {
      response = await this.get(url, ifNoneMatch);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw toAppError(error);
      // The server closed a kept-alive connection just as we reused it: the request never arrived.
      response = await this.get(url, ifNoneMatch).catch((retryError: unknown) => {
        throw toAppError(retryError);
      });
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

  private get(url: string, ifNoneMatch: string | undefined): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const send = this.isHttps ? httpsRequest : httpRequest;
      const headers: Record<string, string> = { Accept: 'image/*' };
      if (ifNoneMatch !== undefined) headers['If-None-Match'] = ifNoneMatch;
      const request = send(url, { agent: this.agent, headers }, resolve);
      // Idle time, reset by every packet: also bounds a download that stalls half-way.
      request.setTimeout(this.timeoutMs, () => request.destroy(new UpstreamTimeoutError()));
      request.on('error', (error) => {
        reject(request.reusedSocket && isReset(error) ? new StaleSocketError() : error);
      });
      request.end();
    });
  }
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
