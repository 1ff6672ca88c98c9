import { isErrorBody, type ErrorCode } from '@atelier/contract';
import { appConfig } from '../config';

/** Codes the client produces itself when no proper error body arrived. */
export type ClientErrorCode = 'network' | 'unexpected_response';
export type ApiErrorCode = ErrorCode | ClientErrorCode;

/** Every failed call rejects with this: the API's error body plus the HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** Seconds to wait before retrying (from Retry-After), when the server said so. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }

  /** Per-field messages of a validation error (`details: { field: [msg] }`), or `{}`. */
  get fieldErrors(): Record<string, string[]> {
    if (typeof this.details !== 'object' || this.details === null || Array.isArray(this.details)) return {};
    const result: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(this.details as Record<string, unknown>)) {
      if (Array.isArray(messages)) result[field] = messages.filter((m): m is string => typeof m === 'string');
      else if (typeof messages === 'string') result[field] = [messages];
    }
    return result;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions {
  /** JSON-encoded, except FormData which is sent as multipart. */
  body?: unknown;
  /** The Accept header (default application/json). */
  accept?: string;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * On a 401, refresh the session once and retry (default true). Off for the auth endpoints
   * themselves: a 401 from /auth/login means wrong credentials, not an expired token.
   */
  retryOnUnauthorized?: boolean;
  /** Tell the unauthenticated handler when the session is gone for good (default true). */
  notifyUnauthenticated?: boolean;
}

export interface HttpClientOptions {
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Path of the refresh endpoint, relative to baseUrl. */
  refreshPath?: string;
}

export interface HttpClient {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  /** GET of a binary resource (an image): the body as a Blob, errors as ApiError like every call. */
  blob(path: string, options?: Omit<RequestOptions, 'body'>): Promise<Blob>;
  /** GET whose body the caller reads itself (a download with progress); errors as ApiError. */
  response(path: string, options?: Omit<RequestOptions, 'body'>): Promise<Response>;
  /** Called once a 401 survives a refresh; the app sends the user to the login page. */
  onUnauthenticated(handler: (() => void) | null): void;
  /**
   * For requests sent outside this client (XHR uploads, for their progress): refresh the session once,
   * shared with any refresh already under way; true when it worked.
   */
  refreshSession(): Promise<boolean>;
  /** For those requests too: a 401 survived the refresh, tell the unauthenticated handler. */
  reportUnauthenticated(): void;
}

/** Seconds from a Retry-After header (delta or HTTP date), or null. */
export function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const body = await readBody(response);
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  if (isErrorBody(body))
    return new ApiError(response.status, body.code, body.message, body.details, retryAfter);
  const message = `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
  return new ApiError(response.status, 'unexpected_response', message, body, retryAfter);
}

export function createHttpClient({
  baseUrl,
  fetch: fetchImpl = (input, init) => globalThis.fetch(input, init),
  refreshPath = '/auth/refresh',
}: HttpClientOptions): HttpClient {
  let unauthenticatedHandler: (() => void) | null = null;
  // Concurrent 401s share one refresh, so the rotating refresh cookie is used exactly once.
  let refreshing: Promise<boolean> | null = null;

  async function send(method: HttpMethod, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {
      ...options.headers,
      accept: options.accept ?? 'application/json',
    };
    const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal ?? null };
    // Multipart bodies go as they are: the browser writes the boundary into content-type.
    if (options.body instanceof FormData) init.body = options.body;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    try {
      return await fetchImpl(`${baseUrl}${path}`, init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
    }
  }

  function refreshOnce(): Promise<boolean> {
    refreshing ??= send('POST', refreshPath, {})
      .then((response) => response.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  async function respond(method: HttpMethod, path: string, options: RequestOptions): Promise<Response> {
    const { retryOnUnauthorized = true, notifyUnauthenticated = true } = options;
    let response = await send(method, path, options);
    if (response.status === 401 && retryOnUnauthorized) {
      if (await refreshOnce()) response = await send(method, path, options);
      if (response.status === 401 && notifyUnauthenticated) unauthenticatedHandler?.();
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    return (await readBody(await respond(method, path, options))) as T;
  }

  return {
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    patch: (path, body, options) => request('PATCH', path, { ...options, body }),
    delete: (path, options) => request('DELETE', path, options),
    blob: async (path, options) => (await respond('GET', path, { accept: 'image/*', ...options })).blob(),
    response: (path, options) => respond('GET', path, options ?? {}),
    onUnauthenticated(handler) {
      unauthenticatedHandler = handler;
    },
    refreshSession: refreshOnce,
    reportUnauthenticated: () => unauthenticatedHandler?.(),
  };
}

/** The app's client: same-origin `/api`, authenticated by the httpOnly session cookies. */
export const http = createHttpClient({ baseUrl: appConfig.apiBaseUrl });
