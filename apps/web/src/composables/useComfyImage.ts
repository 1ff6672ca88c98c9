import { onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { fetchComfyImage } from '../stores/comfy-call';
import type { ComfyImageRef } from '../types/comfy';

export type ImageLoadStatus = 'loading' | 'ready' | 'error';

/**
 * One ComfyUI result as an object URL, fetched with the stores' retry policy (fetchComfyImage) (a busy or briefly
 * unreachable ComfyUI does not leave a broken image). The URL is revoked when the image changes or
 * the caller goes away.
 */
export function useComfyImage(image: MaybeRefOrGetter<ComfyImageRef | null>) {
  const src = ref<string | null>(null);
  const status = ref<ImageLoadStatus>('loading');
  let controller: AbortController | null = null;

  function release(): void {
    controller?.abort();
    controller = null;
    if (src.value) URL.revokeObjectURL(src.value);
    src.value = null;
  }

  async function load(): Promise<void> {
    release();
    const target = toValue(image);
    if (!target) return;
    const own = new AbortController();
    controller = own;
    status.value = 'loading';
    try {
      const blob = await fetchComfyImage(target, own.signal);
      if (own.signal.aborted) return;
      src.value = URL.createObjectURL(blob);
      status.value = 'ready';
    } catch {
      if (!own.signal.aborted) status.value = 'error';
    }
  }

  watch(() => toValue(image), load, { immediate: true });
  onScopeDispose(release);

  return { src, status, reload: load };
}
