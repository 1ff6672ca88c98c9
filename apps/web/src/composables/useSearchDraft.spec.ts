import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { HistoryMode } from './useGalleryRoute';
import { useSearchDraft } from './useSearchDraft';

let scope: ReturnType<typeof effectScope>;

beforeEach(() => {
  vi.useFakeTimers();
  scope = effectScope();
});
afterEach(() => {
  scope.stop();
  vi.useRealTimers();
});

function setup(initial = '') {
  const url = ref(initial);
  const commits: [string, HistoryMode][] = [];
  const draft = scope.run(() =>
    useSearchDraft(
      () => url.value,
      (q, mode) => {
        commits.push([q, mode]);
        url.value = q;
      },
      300,
    ),
  )!;
  return { url, commits, draft };
}

describe('useSearchDraft', () => {
  it('pushes once per burst of typing and replaces after that', () => {
    const { commits, draft } = setup();
    draft.input('r');
    draft.input('re');
    vi.advanceTimersByTime(299);
    expect(commits).toEqual([]);
    vi.advanceTimersByTime(1);
    draft.input('red');
    vi.advanceTimersByTime(300);
    draft.input('red ');
    vi.advanceTimersByTime(300);
    expect(commits).toEqual([
      ['re', 'push'],
      ['red', 'replace'],
    ]);
  });

  it('commits on Enter at once; the next burst pushes again', () => {
    const { commits, draft } = setup('cat');
    draft.input('cats');
    draft.submit();
    vi.advanceTimersByTime(1000);
    draft.input('cats model:sdxl');
    vi.advanceTimersByTime(300);
    draft.submit();
    expect(commits).toEqual([
      ['cats', 'push'],
      ['cats model:sdxl', 'push'],
    ]);
  });

  it('follows the URL when it changes elsewhere (Back), and not its own echo', async () => {
    const { url, draft } = setup('cat');
    draft.input('cat dog');
    vi.advanceTimersByTime(300);
    draft.input('cat dog bird');
    await nextTick();
    expect(draft.draft.value).toBe('cat dog bird');
    url.value = 'cat';
    await nextTick();
    expect(draft.draft.value).toBe('cat');
  });
});
