import type { ExportOptions, GallerySelection } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { galleryApi } from '../api/gallery';
import { filenameFromDisposition } from '../domain/download';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';

export type ExportStatus = 'idle' | 'downloading' | 'done' | 'cancelled' | 'error';

/** Hands a finished download to the browser as a file (a Blob URL on a temporary link). */
function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the save; the URL can go once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/**
 * A ZIP export downloaded with progress: fetched with the session (so a 401 refreshes it like any
 * call), read chunk by chunk against Content-Length, then saved from a Blob URL. Cancel aborts it.
 */
export const useGalleryExportStore = defineStore('gallery-export', () => {
  const notifications = useNotificationsStore();
  const status = ref<ExportStatus>('idle');
  const received = ref(0);
  const total = ref<number | null>(null);
  const error = ref<string | null>(null);
  let controller: AbortController | null = null;

  async function start(selection: GallerySelection, options: ExportOptions): Promise<void> {
    controller?.abort();
    const own = new AbortController();
    controller = own;
    status.value = 'downloading';
    received.value = 0;
    total.value = null;
    error.value = null;
    try {
      const response = await galleryApi.exportZip(selection, options, own.signal);
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

  function cancel(): void {
    controller?.abort();
  }

  function reset(): void {
    if (status.value !== 'downloading') status.value = 'idle';
  }

  return { status, received, total, error, start, cancel, reset };
});
