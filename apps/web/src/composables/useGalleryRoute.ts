import { computed } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import {
  galleryStateFromRoute,
  galleryStateKey,
  routeFromGalleryState,
  type GalleryRouteSearch,
  type GalleryRouteState,
} from '../domain/gallery-route-query';

export type HistoryMode = 'push' | 'replace';

/**
 * The gallery's state as the URL holds it, and the ways to change it. A new search pushes a history
 * entry (Back returns to the previous one); refinements while typing replace it (see useSearchDraft).
 */
export function useGalleryRoute() {
  const route = useRoute();
  const router = useRouter();
  const state = computed(() => galleryStateFromRoute(route.query));
  const openImageId = computed(() => {
    const value = Number(route.query.image);
    return Number.isInteger(value) && value > 0 ? value : null;
  });

  async function go(next: GalleryRouteState, mode: HistoryMode = 'push'): Promise<void> {
    if (galleryStateKey(next) === galleryStateKey(state.value)) return;
    // A new search closes the open image: it may not be among the new results.
    await router[mode]({ query: routeFromGalleryState(next) });
  }

  /** Changes the search (leaving "more like this"); `undefined` values remove a filter. */
  function setSearch(patch: Partial<GalleryRouteSearch>, mode: HistoryMode = 'push'): Promise<void> {
    const search: GalleryRouteSearch = { ...state.value.search, ...patch };
    for (const key of Object.keys(search) as (keyof GalleryRouteSearch)[]) {
      if (search[key] === undefined) delete search[key];
    }
    return go({ search, similar: null }, mode);
  }

  function showSimilar(id: number): Promise<void> {
    return go({ search: state.value.search, similar: id });
  }

  function openImage(id: number, mode: HistoryMode = 'push'): Promise<unknown> {
    return router[mode]({ query: { ...route.query, image: String(id) } });
  }

  function closeImage(): Promise<unknown> {
    const { image: _image, ...rest } = route.query;
    return router.replace({ query: rest });
  }

  return { state, openImageId, go, setSearch, showSimilar, openImage, closeImage };
}
