import type {
  GalleryFacets,
  GallerySearchItem,
  GallerySearchQuery,
  GalleryValueKind,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { galleryApi } from '../api/gallery';
import { ApiError } from '../api/http';
import { appConfig } from '../config';
import { galleryTiles } from '../domain/gallery-display';
import { galleryStateKey, type GalleryRouteState } from '../domain/gallery-route-query';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

const similarLimit = 60;

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
}

/**
 * The gallery's results for the state in the URL: keyset pages of the search (or the images like
 * one image), its facets, and the stacks opened in place. Items are held in shallow refs: pages of
 * plain objects must not become reactive proxies. An answer to a superseded search is dropped.
 */
export const useGallerySearchStore = defineStore('gallery-search', () => {
  const notifications = useNotificationsStore();
  const items = shallowRef<GallerySearchItem[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const nextCursor = ref<string | null>(null);
  const total = ref<{ count: number; isExact: boolean } | null>(null);
  const facets = shallowRef<GalleryFacets | null>(null);
  const openStacks = shallowRef(new Map<string, GallerySearchItem[]>());
  const isLoadingMore = ref(false);
  const current = ref<GalleryRouteState | null>(null);
  let currentKey: string | null = null;
  let generation = 0;
  // A new search cancels the requests of the one it replaces (typing makes many).
  let inFlight = new AbortController();

  const tiles = computed(() => galleryTiles(items.value, openStacks.value));
  const hasMore = computed(() => nextCursor.value !== null);
  /** Problems the API found in `q` (400 validation_failed, details.q). */
  const queryErrors = computed(() => error.value?.fieldErrors.q ?? []);

  const pageQuery = (cursor: string | null): GallerySearchQuery => ({
    ...current.value?.search,
    limit: appConfig.galleryPageSize,
    ...(cursor ? { cursor } : {}),
  });

  async function loadFacets(run: number): Promise<void> {
    const search = current.value?.search;
    if (!search) return;
    const { sort: _sort, seed_order: _order, stacks: _stacks, ...filters } = search;
    try {
      const answer = await galleryApi.facets(filters, inFlight.signal);
      if (run === generation) facets.value = answer;
    } catch {
      // Facets are a help, not the result: the sidebar says they are missing.
      if (run === generation) facets.value = null;
    }
  }

  /** Shows the results of `state`; the same state again keeps what is loaded unless `force`. */
  async function show(state: GalleryRouteState, { force = false } = {}): Promise<void> {
    const key = galleryStateKey(state);
    if (key === currentKey && !force && status.value !== 'error') return;
    currentKey = key;
    current.value = state;
    const run = ++generation;
    inFlight.abort();
    inFlight = new AbortController();
    status.value = 'loading';
    error.value = null;
    openStacks.value = new Map();
    try {
      if (state.similar !== null) {
        facets.value = null;
        const answer = await galleryApi.similar(state.similar, similarLimit);
        if (run !== generation) return;
        items.value = answer.items;
        nextCursor.value = null;
        total.value = { count: answer.items.length, isExact: true };
      } else {
        void loadFacets(run);
        const page = await galleryApi.search(pageQuery(null), inFlight.signal);
        if (run !== generation) return;
        items.value = page.items;
        nextCursor.value = page.next_cursor;
        total.value = { count: page.total_estimate, isExact: page.total_exact };
      }
      status.value = 'ready';
    } catch (e) {
      if (run !== generation) return;
      items.value = [];
      nextCursor.value = null;
      total.value = null;
      error.value = asApiError(e);
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || isLoadingMore.value || status.value !== 'ready') return;
    const run = generation;
    isLoadingMore.value = true;
    try {
      const page = await galleryApi.search(pageQuery(nextCursor.value));
      if (run !== generation) return;
      const known = new Set(items.value.map((item) => item.id));
      items.value = [...items.value, ...page.items.filter((item) => !known.has(item.id))];
      nextCursor.value = page.next_cursor;
    } catch (e) {
      notifications.error({ title: 'Could not load more images', message: describeError(e) });
    } finally {
      isLoadingMore.value = false;
    }
  }

  /** Opens a stack in place (its members, newest first), or closes it again. */
  async function toggleStack(key: string): Promise<void> {
    if (openStacks.value.has(key)) {
      const next = new Map(openStacks.value);
      next.delete(key);
      openStacks.value = next;
      return;
    }
    const run = generation;
    try {
      const page = await galleryApi.search({ stack: key, stacks: false, limit: 100 });
      if (run !== generation) return;
      openStacks.value = new Map(openStacks.value).set(key, page.items);
    } catch (e) {
      notifications.error({ title: 'Could not open the stack', message: describeError(e) });
    }
  }

  /** Values for the search box's autocomplete (visible images only, as the API counts them). */
  async function suggestValues(kind: GalleryValueKind, prefix: string, limit: number): Promise<string[]> {
    return (await galleryApi.values(kind, prefix, limit)).values;
  }

  /** After an upload or a change elsewhere: the next `show` reloads. */
  function invalidate(): void {
    currentKey = null;
  }

  /** A deleted image leaves the results (and any open stack) at once. */
  function drop(id: number): void {
    items.value = items.value.filter((item) => item.id !== id);
    const next = new Map<string, GallerySearchItem[]>();
    for (const [key, members] of openStacks.value)
      next.set(
        key,
        members.filter((m) => m.id !== id),
      );
    openStacks.value = next;
  }

  return {
    items,
    tiles,
    status,
    error,
    queryErrors,
    total,
    facets,
    openStacks,
    hasMore,
    isLoadingMore,
    current,
    show,
    loadMore,
    toggleStack,
    suggestValues,
    invalidate,
    drop,
  };
});
