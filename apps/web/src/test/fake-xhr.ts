import { vi } from 'vitest';

type Listener = ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null;

/**
 * XMLHttpRequest as api/uploads.ts uses it, answered by the fake API's `fetch` (so the same routes and
 * session answer). `auto`: sends report half then all of the bytes, then the answer arrives; `manual`: the
 * test drives each request with `progress`, `finish`, `fail`.
 */
export class FakeXhr {
  static requests: FakeXhr[] = [];
  static mode: 'auto' | 'manual' = 'auto';
  static fetch: typeof globalThis.fetch = () => Promise.reject(new Error('no fake fetch'));

  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  isAborted = false;
  readonly upload: { onprogress: Listener } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  private responseHeaders = new Headers();

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders.get(name);
  }

  send(body: FormData): void {
    this.body = body;
    FakeXhr.requests.push(this);
    if (FakeXhr.mode === 'auto') {
      const total = this.size();
      this.progress(Math.floor(total / 2), total);
      this.progress(total, total);
      void this.finish();
    }
  }

  abort(): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.onabort?.();
  }

  /** The bytes of the file part. */
  size(): number {
    const file = this.body?.get('image');
    return file instanceof Blob ? file.size : 0;
  }

  progress(loaded: number, total = this.size()): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }

  /** Lets the fake API answer, as the server would once the bytes are in. */
  async finish(): Promise<void> {
    const response = await FakeXhr.fetch(this.url, {
      method: this.method,
      body: this.body,
      headers: this.headers,
    });
    if (this.isAborted) return;
    this.status = response.status;
    this.responseText = await response.text();
    this.responseHeaders = response.headers;
    this.onload?.();
  }

  /** The connection dropped. */
  fail(): void {
    this.onerror?.();
  }
}

/** Puts FakeXhr in place of XMLHttpRequest, answering from `fetch` (the fake API's). */
export function installFakeXhr(
  fetch: typeof globalThis.fetch,
  mode: 'auto' | 'manual' = 'auto',
): typeof FakeXhr {
  FakeXhr.requests = [];
  FakeXhr.mode = mode;
  FakeXhr.fetch = fetch;
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
  return FakeXhr;
}
