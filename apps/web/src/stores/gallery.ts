import type {
  ComfyImageRef,
  GalleryImage,
  GalleryImageDetail,
  GalleryImagePatch,
  IngestResponse,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import { comfyApi, type IngestUpload } from '../api/comfy';
import { galleryApi } from '../api/gallery';
import { ApiError } from '../api/http';
import { appConfig } from '../config';
import { callComfy, fetchComfyImage } from './comfy-call';
import { describeError } from './errors';
import { useGallerySearchStore } from './gallery-search';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** An image to keep: its bytes, or `image`, one of a job's results, fetched through the API. */
export type UploadInput = Omit<IngestUpload, 'file' | 'filename'> & {
  file?: Blob;
  image?: ComfyImageRef;
  filename?: string;
};

/**
 * The gallery, newest first, one keyset page at a time. Images are held in a shallow ref: a page of
 * 100,000 plain objects must not become 100,000 reactive proxies.
 */
export const useGalleryStore = defineStore('gallery', () => {
  const notifications = useNotificationsStore();
  const images = shallowRef<GalleryImage[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const nextCursor = ref<string | null>(null);
  const isLoadingMore = ref(false);
  const details = shallowRef(new Map<number, GalleryImageDetail>());
  let hasLoaded = false;

  const hasMore = computed(() => nextCursor.value !== null);
  const isEmpty = computed(() => status.value === 'ready' && images.value.length === 0);

  function append(page: GalleryImage[]): void {
    const known = new Set(images.value.map((image) => image.id));
    images.value = [...images.value, ...page.filter((image) => !known.has(image.id))];
  }

  /** First page; later calls keep what is loaded unless `force`. */
  async function load({ force = false } = {}): Promise<void> {
    if (hasLoaded && !force) return;
    status.value = 'loading';
    error.value = null;
    try {
      const page = await galleryApi.list(null, appConfig.galleryPageSize);
      images.value = page.items;
      nextCursor.value = page.next_cursor;
      status.value = 'ready';
      hasLoaded = true;
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || isLoadingMore.value || status.value !== 'ready') return;
    isLoadingMore.value = true;
    try {
      const page = await galleryApi.list(nextCursor.value, appConfig.galleryPageSize);
      append(page.items);
      nextCursor.value = page.next_cursor;
    } catch (e) {
      notifications.error({ title: 'Could not load more images', message: describeError(e) });
    } finally {
      isLoadingMore.value = false;
    }
  }

  /** Provenance of one image, fetched once and cached. */
  async function loadDetail(id: number): Promise<GalleryImageDetail> {
    const cached = details.value.get(id);
    if (cached) return cached;
    const detail = await galleryApi.get(id);
    details.value.set(id, detail);
    triggerRef(details);
    return detail;
  }

  /** Freshly ingested images go on top, so the gallery shows them without a reload. */
  function addIngested(added: GalleryImage[]): void {
    // The search shows them the next time the gallery opens.
    useGallerySearchStore().invalidate();
    if (!hasLoaded) return;
    const known = new Set(images.value.map((image) => image.id));
    const fresh = added.filter((image) => !known.has(image.id));
    images.value = [...fresh.sort((a, b) => b.id - a.id), ...images.value];
  }

  /** Keeps an image in the gallery: a multipart upload of the bytes with where they came from. */
  async function upload(input: UploadInput): Promise<IngestResponse> {
    const { image } = input;
    const file = input.file ?? (image ? await fetchComfyImage(image) : null);
    if (!file) throw new TypeError('upload needs a file or one of the job’s images');
    const filename = input.filename ?? image?.filename ?? 'image.png';
    const answer = await callComfy('Could not save the image to the gallery', () =>
      comfyApi.ingest({ ...input, file, filename }),
    );
    addIngested([answer.image]);
    return answer;
  }

  /** Moves an image to the trash (DELETE), with an Undo that restores it. */
  async function remove(id: number): Promise<boolean> {
    try {
      await galleryApi.remove(id);
      images.value = images.value.filter((image) => image.id !== id);
      useGallerySearchStore().drop(id);
      forgetDetails();
      notifications.success({
        title: 'Moved to the trash',
        action: { label: 'Undo', run: () => void restore(id) },
      });
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not move the image to the trash', message: describeError(e) });
      return false;
    }
  }

  async function restore(id: number): Promise<boolean> {
    try {
      await galleryApi.restore(id);
      forgetDetails();
      const search = useGallerySearchStore();
      if (search.current) void search.show(search.current, { force: true });
      notifications.success({ title: `Image ${id} restored` });
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not restore the image', message: describeError(e) });
      return false;
    }
  }

  /** Rating, favourite, tags or note of one image (PATCH); the cached detail takes the answer. */
  async function patchImage(id: number, patch: GalleryImagePatch): Promise<GalleryImageDetail | null> {
    try {
      const detail = await galleryApi.patch(id, patch);
      details.value.set(id, detail);
      triggerRef(details);
      useGallerySearchStore().invalidate();
      return detail;
    } catch (e) {
      notifications.error({ title: 'Could not save the change', message: describeError(e) });
      return null;
    }
  }

  /** After bulk changes: details are read again when next shown. */
  function forgetDetails(): void {
    details.value = new Map();
  }

  return {
    images,
    status,
    error,
    nextCursor,
    hasMore,
    isEmpty,
    isLoadingMore,
    details,
    load,
    loadMore,
    loadDetail,
    addIngested,
    upload,
    remove,
    restore,
    patchImage,
    forgetDetails,
  };
});
