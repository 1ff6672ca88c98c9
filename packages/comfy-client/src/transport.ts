import { backoffDelay, sleep } from './backoff.js';
import {
  ComfyHttpError,
  ComfyProtocolError,
  ComfyTimeoutError,
  ComfyUnreachableError,
  isRetryableError,
} from './errors.js';

export type FetchLike = typeof globalThis.fetch;

export interface TransportOptions {
  /** ComfyUI's root, e.g. `http://127.0.0.1:8188` (a path such as `/comfy` behind a proxy is kept). */
  baseUrl: string;
  fetch?: FetchLike;
  /** Per attempt: until the whole body is read (JSON), or between chunks (streams). */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (so `maxRetries + 1` tries in all). */
  maxRetries?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** `''` (default) for the plain routes, `'/api'` for the aliases the bundled UI uses. */
  pathPrefix?: string;
  /** Sent with every request (e.g. a reverse proxy's auth). An `Origin` header is never sent. */
  headers?: Record<string, string>;
  random?: () => number;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: FormData;
  /** Only idempotent requests are retried. */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamResponse {
  status: number;
  headers: Headers;
  /** Errors with ComfyTimeoutError when no chunk arrives within the timeout. */
  body: ReadableStream<Uint8Array>;
}

const maxErrorBodyChars = 64 * 1024;

/** The only caller of `fetch`: base URL, per-attempt timeout, typed errors, retries with backoff + jitter. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly pathPrefix: string;
  private readonly headers: Record<string, string>;
  private readonly random: () => number;

  constructor(options: TransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`baseUrl must be http(s), got ${options.baseUrl}`);
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 4_000;
    this.pathPrefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    this.random = options.random ?? Math.random;
    // ComfyUI answers 403 to any request whose Origin differs from Host: never forward one.
    this.headers = Object.fromEntries(
      Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'origin'),
    );
  }

  /** The URL of a route, with the configured prefix. */
  url(path: string, query?: RequestSpec['query']): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) params.set(key, String(value));
    const search = params.toString() ? `?${params.toString()}` : '';
    return `${this.baseUrl}${this.pathPrefix}${path}${search}`;
  }

  /** A request whose 2xx body must be JSON. */
  json(spec: RequestSpec): Promise<unknown> {
    return this.retrying(spec, () =>
      this.attempt(spec, async (response, url) => {
        const text = await response.text();
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new ComfyProtocolError(
            'ComfyUI answered with a body that is not JSON',
            url,
            text.slice(0, 500),
          );
        }
      }),
    );
  }

  /** A request whose 2xx body is ignored (ComfyUI answers 200 with an empty body). */
  empty(spec: RequestSpec): Promise<void> {
    return this.retrying(spec, () =>
      this.attempt(spec, async (response) => {
        await response.arrayBuffer();
      }),
    );
  }

  /** A request whose 2xx body is handed to the caller as a stream; the timeout then applies between chunks. */
  stream(spec: RequestSpec): Promise<StreamResponse> {
    return this.retrying(spec, () => this.attempt(spec, undefined));
  }

  /**
   * Runs `operation` once, and again up to `maxRetries` times after a retryable failure, waiting an
   * exponential, jittered delay between tries. Non-idempotent calls run once.
   */
  async retrying<T>(
    spec: { idempotent: boolean; signal?: AbortSignal },
    operation: (attempt: number) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation(attempt);
      } catch (error) {
        if (!spec.idempotent || attempt >= this.maxRetries || !isRetryableError(error)) throw error;
        if (spec.signal?.aborted) throw error;
        const delay = backoffDelay(
          attempt + 1,
          { baseDelayMs: this.retryBaseDelayMs, maxDelayMs: this.retryMaxDelayMs },
          this.random,
        );
        await sleep(delay, spec.signal);
      }
    }
  }

  private attempt(spec: RequestSpec, read: undefined): Promise<StreamResponse>;
  private attempt<T>(spec: RequestSpec, read: (response: Response, url: string) => Promise<T>): Promise<T>;
  private async attempt<T>(
    spec: RequestSpec,
    read: ((response: Response, url: string) => Promise<T>) | undefined,
  ): Promise<T | StreamResponse> {
    const url = this.url(spec.path, spec.query);
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new ComfyTimeoutError(url, timeoutMs));
      }, timeoutMs);
    };
    const signal = spec.signal ? AbortSignal.any([controller.signal, spec.signal]) : controller.signal;
    // Turns whatever fetch or a body read threw into one of our errors.
    const classify = (error: unknown): unknown => {
      if (timedOut) return new ComfyTimeoutError(url, timeoutMs);
      if (spec.signal?.aborted) return spec.signal.reason;
      if (error instanceof ComfyHttpError || error instanceof ComfyProtocolError) return error;
      return new ComfyUnreachableError(url, { cause: error });
    };

    arm();
    let handedOver = false;
    try {
      const headers: Record<string, string> = { ...this.headers };
      let body: string | FormData | undefined;
      if (spec.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(spec.json);
      } else if (spec.form) {
        body = spec.form;
      }
      const response = await this.fetch(url, { method: spec.method, headers, body, signal });
      if (!response.ok) {
        const text = await response.text();
        throw new ComfyHttpError(response.status, text.slice(0, maxErrorBodyChars), spec.method, spec.path);
      }
      if (read) return await read(response, spec.path);
      if (!response.body) throw new ComfyProtocolError('ComfyUI answered without a body', spec.path, '');
      // From here the caller reads at its own pace: the timer only runs while a chunk is awaited.
      handedOver = true;
      clearTimeout(timer);
      return {
        status: response.status,
        headers: response.headers,
        body: withIdleTimeout(response.body, arm, () => clearTimeout(timer), classify),
      };
    } catch (error) {
      throw classify(error);
    } finally {
      if (!handedOver) clearTimeout(timer);
    }
  }
}

/** Re-arms the attempt's timer before each chunk so a stalled download fails instead of hanging. */
function withIdleTimeout(
  body: ReadableStream<Uint8Array>,
  arm: () => void,
  disarm: () => void,
  classify: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      arm();
      try {
        const chunk = await reader.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      } catch (error) {
        controller.error(classify(error));
      } finally {
        disarm();
      }
    },
    async cancel(reason) {
      disarm();
      await reader.cancel(reason);
    },
  });
}
