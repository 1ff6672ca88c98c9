import {
  completionAt,
  galleryAspects,
  imageStatuses,
  type GalleryQueryCompletion,
  type GalleryValueKind,
} from '@atelier/contract';
import { onScopeDispose, ref, shallowRef } from 'vue';
import { applyCompletion } from '../domain/gallery-completion';

const fetchedKinds = new Set<string>(['checkpoint', 'lora', 'tag', 'sampler', 'owner']);
const fixedValues: Record<string, readonly string[]> = { status: imageStatuses, aspect: galleryAspects };
const maxSuggestions = 8;

export type FetchValues = (kind: GalleryValueKind, prefix: string, limit: number) => Promise<string[]>;

/**
 * Autocomplete for the search box: key names as they are typed, and values after `model:`,
 * `lora:`, `tag:`, `sampler:`, `owner:` (from `fetchValues`, debounced; only the latest answer
 * counts), `status:` and `aspect:`. Arrows move, Enter or Tab accepts, Esc closes.
 */
export function useQueryCompletion(fetchValues: FetchValues, delayMs = 200) {
  const suggestions = ref<string[]>([]);
  const active = ref(-1);
  const completion = shallowRef<GalleryQueryCompletion | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let request = 0;

  function close(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    request++;
    suggestions.value = [];
    active.value = -1;
    completion.value = null;
  }

  function show(found: GalleryQueryCompletion, values: readonly string[]): void {
    completion.value = found;
    suggestions.value = values.slice(0, maxSuggestions);
    active.value = suggestions.value.length > 0 ? 0 : -1;
  }

  /** Looks at what is typed at the cursor, after each input or cursor move. */
  function update(text: string, cursor: number): void {
    const found = completionAt(text, cursor);
    if (!found) return close();
    if (found.key === null) return show(found, found.keys ?? []);
    const fixed = fixedValues[found.key];
    if (fixed)
      return show(
        found,
        fixed.filter((value) => value.startsWith(found.prefix.toLowerCase())),
      );
    if (!fetchedKinds.has(found.key)) return close();
    if (timer !== undefined) clearTimeout(timer);
    const mine = ++request;
    timer = setTimeout(() => {
      timer = undefined;
      fetchValues(found.key as GalleryValueKind, found.prefix, maxSuggestions)
        .then((values) => {
          if (mine === request) show(found, values);
        })
        .catch(() => {
          // No suggestions is a fine answer to a failed lookup: the search itself still works.
          if (mine === request) close();
        });
    }, delayMs);
  }

  function move(delta: 1 | -1): void {
    const count = suggestions.value.length;
    if (count > 0) active.value = (active.value + delta + count) % count;
  }

  /** The text with the active (or given) suggestion accepted, or null when none is open. */
  function accept(text: string, index = active.value): { text: string; cursor: number } | null {
    const choice = suggestions.value[index];
    const found = completion.value;
    if (choice === undefined || !found) return null;
    close();
    return applyCompletion(text, found, choice);
  }

  onScopeDispose(close);
  return { suggestions, active, completion, update, move, accept, close };
}
