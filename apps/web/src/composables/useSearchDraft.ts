import { onScopeDispose, ref, watch } from 'vue';
import type { HistoryMode } from './useGalleryRoute';

/**
 * The search box's text and when it reaches the URL. Typing searches after a pause: the first
 * pause of a burst pushes a history entry, later ones replace it, so typing never floods history
 * and Back returns to the search before it. Enter commits at once and ends the burst. When the
 * URL changes from elsewhere (Back, a chip removed), the text follows it.
 */
export function useSearchDraft(
  source: () => string,
  commit: (q: string, mode: HistoryMode) => unknown,
  delayMs = 350,
) {
  const draft = ref(source());
  let committed = source();
  let isInBurst = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  watch(source, (q) => {
    if (q === committed) return;
    committed = q;
    draft.value = q;
    isInBurst = false;
  });

  function cancel(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  function send(mode: HistoryMode): void {
    const q = draft.value.trim();
    if (q === committed) return;
    committed = q;
    void commit(q, mode);
  }

  function input(text: string): void {
    draft.value = text;
    cancel();
    timer = setTimeout(() => {
      timer = undefined;
      send(isInBurst ? 'replace' : 'push');
      isInBurst = true;
    }, delayMs);
  }

  function submit(): void {
    cancel();
    send(isInBurst ? 'replace' : 'push');
    isInBurst = false;
  }

  onScopeDispose(cancel);
  return { draft, input, submit };
}
