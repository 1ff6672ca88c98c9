import type { ExportBuildView } from '@atelier/contract';
import { exportBackgroundMinBytes, exportBackgroundMinImages } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useGalleryExportStore } from './gallery-export';

const large = exportBackgroundMinImages + 1;
let calls: { method: string; url: string; body: unknown }[];
/** The views GET /gallery/exports/b1 answers, one per poll (the last repeats). */
let views: Partial<ExportBuildView>[];
let saved: Blob[];
/** Links the store clicked (a built export is downloaded by the browser). */
let clicked: { href: string; download: string }[];
/** Content-Length of export.zip's answer. */
let streamLength: number;
let streamCancelled: boolean;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

beforeEach(() => {
  vi.useFakeTimers();
  installFakeApi(testUsers.user);
  calls = [];
  saved = [];
  views = [];
  clicked = [];
  streamLength = 4;
  streamCancelled = false;
  vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    calls.push({ method, url, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    if (method === 'POST')
      return Promise.resolve(json(202, { id: 'b1', status: 'queued', images: large, bytes: 4 }));
    if (method === 'DELETE') return Promise.resolve(new Response(null, { status: 204 }));
    if (url.includes('export.zip')) {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new Uint8Array([0x50, 0x4b, 5, 6])),
        pull: (controller) => (streamLength === 4 ? controller.close() : undefined),
        cancel: () => {
          streamCancelled = true;
        },
      });
      return Promise.resolve(
        new Response(body, {
          status: 200,
          headers: {
            'content-length': String(streamLength),
            'content-disposition': 'attachment; filename="small.zip"',
          },
        }),
      );
    }
    const view = views.length > 1 ? views.shift() : views[0];
    return Promise.resolve(json(200, { id: 'b1', bytes: 4, images: large, filename: 'big.zip', ...view }));
  });
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    saved.push(blob as Blob);
    return 'blob:fake';
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.getAttribute('href') ?? '', download: this.download });
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const polls = () => calls.filter((c) => c.method === 'GET' && c.url.endsWith('/gallery/exports/b1'));

describe('gallery export store, large selections', () => {
  it('streams a selection at the threshold directly', async () => {
    const store = useGalleryExportStore();
    await store.start({ ids: [1, 2] }, {}, exportBackgroundMinImages);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/gallery/export.zip?ids=1%2C2']);
    expect(store.status).toBe('done');
    expect(new Uint8Array(await saved[0]!.arrayBuffer())).toEqual(new Uint8Array([0x50, 0x4b, 5, 6]));
    expect(clicked.map((c) => c.href)).toEqual(['blob:fake']);
  });

  it('queues a build past it, polls with backoff while it runs, then downloads the file', async () => {
    views = [
      { status: 'running', progress: 0.25 },
      { status: 'running', progress: 0.5 },
      { status: 'ready', progress: 1 },
    ];
    const store = useGalleryExportStore();
    const running = store.start({ query: { q: 'cat' } }, { sidecars: true }, large);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[0]).toEqual({
      method: 'POST',
      url: '/api/gallery/exports',
      body: { q: 'cat', sidecars: true },
    });
    expect(store.status).toBe('building');
    expect(polls()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(polls()).toHaveLength(1);
    expect(store.build?.progress).toBe(0.25);
    // The next poll waits half again as long.
    await vi.advanceTimersByTimeAsync(1400);
    expect(polls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(polls()).toHaveLength(2);
    expect(store.build?.progress).toBe(0.5);
    await vi.advanceTimersByTimeAsync(2250);
    await running;
    expect(polls()).toHaveLength(3);
    expect(store.status).toBe('done');
    // The browser downloads the built file itself; nothing is held in the page.
    expect(clicked).toEqual([{ href: '/api/gallery/exports/b1/download', download: 'big.zip' }]);
    expect(saved).toHaveLength(0);
  });

  it('switches to a build when the streamed answer is past the byte threshold, dropping the stream', async () => {
    streamLength = exportBackgroundMinBytes + 1;
    views = [{ status: 'ready', progress: 1 }];
    const store = useGalleryExportStore();
    const running = store.start({ ids: [1, 2] }, { redact: true }, 2);
    await vi.advanceTimersByTimeAsync(1000);
    await running;
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/gallery/export.zip?ids=1%2C2&redact=1',
      'POST /api/gallery/exports',
      'GET /api/gallery/exports/b1',
    ]);
    expect(calls[1]?.body).toEqual({ ids: '1,2', redact: true });
    expect(streamCancelled).toBe(true);
    expect(store.status).toBe('done');
    expect(clicked.map((c) => c.href)).toEqual(['/api/gallery/exports/b1/download']);
    expect(saved).toHaveLength(0);
  });

  it('shows a failed build’s reason and saves nothing', async () => {
    views = [{ status: 'failed', progress: 0, error: '1 of the 501 images can no longer be read (image 7)' }];
    const store = useGalleryExportStore();
    const running = store.start({ ids: [7] }, {}, large);
    await vi.advanceTimersByTimeAsync(1000);
    await running;
    expect(store.status).toBe('error');
    expect(store.error).toContain('image 7');
    expect(saved).toHaveLength(0);
  });

  it('cancel stops polling and removes the build', async () => {
    views = [{ status: 'running', progress: 0.1 }];
    const store = useGalleryExportStore();
    const running = store.start({ ids: [1] }, {}, large);
    await vi.advanceTimersByTimeAsync(1000);
    expect(polls()).toHaveLength(1);
    store.cancel();
    await running;
    expect(store.status).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(polls()).toHaveLength(1);
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/gallery/exports/b1']);
    expect(saved).toHaveLength(0);
    expect(clicked).toHaveLength(0);
  });
});
