import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { describeProgress, filenameFromDisposition } from '../domain/download';
import { useGalleryExportStore } from './gallery-export';

let requested: string[];
let saved: Blob[];
let body: () => ReadableStream<Uint8Array>;
let length: number;
/** What the fake does to the body when the request is aborted (a real fetch errors the stream). */
let onAbort: (() => void) | null;

beforeEach(() => {
  installFakeApi(testUsers.user);
  requested = [];
  saved = [];
  length = 6;
  onAbort = null;
  body = () =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array([0x50, 0x4b, 3]));
        controller.enqueue(new Uint8Array([4, 5, 6]));
        controller.close();
      },
    });
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => {
    requested.push(input);
    init?.signal?.addEventListener('abort', () => onAbort?.());
    return Promise.resolve(
      new Response(body(), {
        status: 200,
        headers: {
          'content-length': String(length),
          'content-disposition': 'attachment; filename="atelier-3-images.zip"',
        },
      }),
    );
  });
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    saved.push(blob as Blob);
    return 'blob:fake';
  });
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

describe('gallery export store', () => {
  it('reads the stream against Content-Length and saves the whole archive', async () => {
    const store = useGalleryExportStore();
    await store.start({ query: { q: 'cat' } }, { sidecars: true, redact: true });
    expect(requested).toEqual(['/api/gallery/export.zip?q=cat&sidecars=1&redact=1']);
    expect([store.status, store.received, store.total]).toEqual(['done', 6, 6]);
    expect(saved).toHaveLength(1);
    expect(new Uint8Array(await saved[0]!.arrayBuffer())).toEqual(new Uint8Array([0x50, 0x4b, 3, 4, 5, 6]));
  });

  it('refuses a download cut short of its length', async () => {
    length = 10;
    const store = useGalleryExportStore();
    await store.start({ ids: [1, 2] }, {});
    expect(requested).toEqual(['/api/gallery/export.zip?ids=1%2C2']);
    expect(store.status).toBe('error');
    expect(store.error).toContain('6 of 10');
    expect(saved).toHaveLength(0);
  });

  it('cancel aborts the download and saves nothing', async () => {
    let pull: ReadableStreamDefaultController<Uint8Array> | null = null;
    body = () =>
      new ReadableStream({
        start(controller) {
          pull = controller;
          controller.enqueue(new Uint8Array([1]));
        },
      });
    onAbort = () => pull?.error(new DOMException('aborted', 'AbortError'));
    const store = useGalleryExportStore();
    const running = store.start({ ids: [1] }, {});
    await vi.waitFor(() => expect(store.received).toBe(1));
    store.cancel();
    await running;
    expect(store.status).toBe('cancelled');
    expect(saved).toHaveLength(0);
  });
});

describe('download helpers', () => {
  it('reads the file name, and never a path', () => {
    expect(filenameFromDisposition('attachment; filename="a.zip"', 'x.zip')).toBe('a.zip');
    expect(filenameFromDisposition('attachment; filename="../../etc/a.zip"', 'x.zip')).toBe(
      '.._.._etc_a.zip',
    );
    expect(filenameFromDisposition(null, 'x.zip')).toBe('x.zip');
  });

  it('describes progress with and without a length', () => {
    expect(describeProgress(512, 2048)).toBe('512 B of 2 KB (25 %)');
    expect(describeProgress(512, null)).toBe('512 B received');
  });
});
