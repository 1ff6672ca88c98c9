import type { GalleryLineage } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { galleryApi } from '../api/gallery';
import { describeError } from './errors';

/**
 * The open image's lineage (GET /gallery/images/:id/lineage): the image it was made from and those
 * made from it, as far as this user may see them. One image at a time: the lightbox's.
 */
export const useGalleryLineageStore = defineStore('gallery-lineage', () => {
  const lineage = ref<GalleryLineage | null>(null);
  const forId = ref<number | null>(null);
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<string | null>(null);
  // Stepping quickly through the lightbox: only the answer for the last image asked counts.
  let ticket = 0;

  async function load(id: number): Promise<void> {
    const mine = ++ticket;
    forId.value = id;
    lineage.value = null;
    error.value = null;
    status.value = 'loading';
    try {
      const answer = await galleryApi.lineage(id);
      if (mine !== ticket) return;
      lineage.value = answer;
      status.value = 'ready';
    } catch (e) {
      if (mine !== ticket) return;
      error.value = describeError(e);
      status.value = 'error';
    }
  }

  return { lineage, forId, status, error, load };
});
