import {
  exportNeedsBackground,
  type ExportBuildView,
  type ExportOptions,
  type GallerySelection,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { galleryApi, galleryUrls } from '../api/gallery';
import { filenameFromDisposition } from '../domain/download';
import { exportBuildBody, nextPollDelay, usesBackgroundBuild } from '../domain/export-build';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';

/** `building`: a large export is being built on the server (polled) before it downloads. */
export type ExportStatus = 'idle' | 'building' | 'downloading' | 'done' | 'cancelled' | 'error';

/** Hands a finished download to the browser as a file (a Blob URL on a temporary link). */
function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  saveUrl(url, filename);
  // The click has started the save; the URL can go once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Starts the browser's own download of `url` (cookies authenticate it) through a temporary link. */
function saveUrl(url: string, filename: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
}

/** Resolves after `ms`, or rejects at once when `signal` aborts (a cancel during a poll's wait). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DOMException('aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

/**
 * A ZIP export downloaded with progress: fetched with the session (so a 401 refreshes it like any
 * call), read chunk by chunk against Content-Length, then saved from a Blob URL. A selection past the
 * shared thresholds (exportNeedsBackground: its image count, or the streamed answer's Content-Length)
 * is built on the server instead: queued, polled (every second, backing off) with its progress shown,
 * then downloaded by the browser itself from a link. Cancel aborts either, and drops a build under way.
 */
export const useGalleryExportStore = defineStore('gallery-export', () => {
  const notifications = useNotificationsStore();
  const status = ref<ExportStatus>('idle');
  const received = ref(0);
  const total = ref<number | null>(null);
  const error = ref<string | null>(null);
  /** The server-side build while one is polled (null for a streamed export). */
  const build = ref<ExportBuildView | null>(null);
  let controller: AbortController | null = null;
  let buildId: string | null = null;

  /** `count`: how many images the selection holds (its ids, or the search's total). */
  async function start(selection: GallerySelection, options: ExportOptions, count = 0): Promise<void> {
    controller?.abort();
    const own = new AbortController();
    controller = own;
    received.value = 0;
    total.value = null;
    error.value = null;
    build.value = null;
    try {
      if (!usesBackgroundBuild(count)) {
        status.value = 'downloading';
        const response = await galleryApi.exportZip(selection, options, own.signal);
        const length = Number(response.headers.get('content-length'));
        if (!exportNeedsBackground(0, Number.isFinite(length) ? length : 0)) {
          await save(response);
          status.value = 'done';
          return;
        }
        // Too many bytes to hold in the page (its length came first): built on the server instead.
        await response.body?.cancel();
      }
      status.value = 'building';
      const view = await buildOnServer(selection, options, own.signal);
      // The browser fetches the file itself: its own progress, and gigabytes never held in the page.
      saveUrl(galleryUrls.exportBuild(view.id), view.filename || 'atelier-export.zip');
      status.value = 'done';
    } catch (e) {
      if (own.signal.aborted) {
        status.value = 'cancelled';
        return;
      }
      status.value = 'error';
      error.value = describeError(e);
      notifications.error({ title: 'The export failed', message: error.value });
    } finally {
      if (controller === own) controller = null;
    }
  }

  /** Queues the build and polls it until it is ready. A failed build rejects with its reason. */
  async function buildOnServer(
    selection: GallerySelection,
    options: ExportOptions,
    signal: AbortSignal,
  ): Promise<ExportBuildView> {
    const created = await galleryApi.exportBuilds.create(exportBuildBody(selection, options));
    buildId = created.id;
    // Cancelled while the request was out: the build it made goes too.
    if (signal.aborted) dropBuild();
    let delay: number | null = null;
    let view: ExportBuildView = {
      ...created,
      progress: 0,
      filename: '',
      createdAt: '',
      expiresAt: '',
    };
    build.value = view;
    while (view.status !== 'ready') {
      if (view.status === 'failed') throw new Error(view.error ?? 'The ZIP could not be built.');
      delay = nextPollDelay(delay);
      await wait(delay, signal);
      view = await galleryApi.exportBuilds.get(created.id, signal);
      build.value = view;
    }
    return view;
  }

  async function save(response: Response): Promise<void> {
    const length = Number(response.headers.get('content-length'));
    total.value = Number.isFinite(length) && length > 0 ? length : null;
    const reader = response.body?.getReader();
    if (!reader) throw new Error('The download has no body.');
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received.value += value.byteLength;
    }
    // A stream cut short by the server is a failure, not a smaller archive.
    if (total.value !== null && received.value !== total.value)
      throw new Error(`The download stopped after ${received.value} of ${total.value} bytes.`);
    const name = filenameFromDisposition(response.headers.get('content-disposition'), 'atelier-export.zip');
    saveBlob(new Blob(chunks as BlobPart[], { type: 'application/zip' }), name);
  }

  /** Stops polling and removes the server's build (best effort: it expires on its own anyway). */
  function dropBuild(): void {
    const id = buildId;
    buildId = null;
    if (id) galleryApi.exportBuilds.remove(id).catch(() => undefined);
  }

  function cancel(): void {
    const running = status.value === 'building';
    controller?.abort();
    if (running) dropBuild();
  }

  function reset(): void {
    if (status.value !== 'downloading' && status.value !== 'building') status.value = 'idle';
  }

  return { status, received, total, error, build, start, cancel, reset };
});
