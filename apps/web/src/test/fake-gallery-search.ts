import type {
  ComparedParam,
  ErrorCode,
  FacetCount,
  GalleryComparison,
  GalleryImageDetail,
  GallerySearchItem,
} from '@atelier/contract';

type Reply = (status: number, body?: unknown) => Response;
type Fail = (status: number, code: ErrorCode, message: string, details?: unknown) => Response;

/** Images that differ only by seed share a stack: the same checkpoint and prompt. */
export const fakeStackKey = (image: GalleryImageDetail) =>
  `${image.params.checkpoint}|${image.params.positive}`;

const toItem = ({
  provenance: _p,
  note: _n,
  review: _r,
  review_note: _rn,
  ...item
}: GalleryImageDetail): GallerySearchItem => item;

/** A small stand-in for the search: every word of `q` must be in the prompt; `fail:` is a bad key. */
function matches(image: GalleryImageDetail, url: URL): boolean {
  const q = url.searchParams.get('q') ?? '';
  const words = q.split(/\s+/).filter(Boolean);
  const text = (image.params.positive ?? '').toLowerCase();
  const checkpoint = url.searchParams.get('checkpoint');
  const tag = url.searchParams.get('tag');
  return (
    words.every((word) =>
      word.startsWith('model:') ? image.params.checkpoint === word.slice(6) : text.includes(word),
    ) &&
    (checkpoint === null || image.params.checkpoint === checkpoint) &&
    (tag === null || image.tags.includes(tag))
  );
}

function search(gallery: GalleryImageDetail[], url: URL, reply: Reply): Response {
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const offset = Number(url.searchParams.get('cursor') ?? 0);
  const stack = url.searchParams.get('stack');
  let found = gallery.filter((image) => matches(image, url));
  if (stack !== null) found = found.filter((image) => fakeStackKey(image) === stack);
  let items = found.map(toItem);
  if (stack === null && url.searchParams.get('stacks') !== '0') {
    const counts = new Map<string, number>();
    for (const image of found) counts.set(fakeStackKey(image), (counts.get(fakeStackKey(image)) ?? 0) + 1);
    const seen = new Set<string>();
    items = found.flatMap((image) => {
      const key = fakeStackKey(image);
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ ...toItem(image), stack: { key, count: counts.get(key) ?? 1 } }];
    });
  }
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? String(offset + limit) : null;
  return reply(200, { items: page, next_cursor: next, total_estimate: items.length, total_exact: true });
}

function countBy(values: string[]): FacetCount[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);
}

function compare(gallery: GalleryImageDetail[], ids: number[]): GalleryComparison {
  const images = ids.map((id) => gallery.find((image) => image.id === id));
  const result: GalleryComparison = { ids, shared: {}, varies: {} };
  for (const param of ['checkpoint', 'seed', 'positive'] as ComparedParam[]) {
    const values = images.map((image) => image?.params[param as 'seed']);
    if (new Set(values).size === 1) result.shared[param] = values[0];
    else result.varies[param] = values;
  }
  return result;
}

/** Answers the search endpoints of /api/gallery over `gallery` (newest first); null for other routes. */
export function routeGallerySearch(
  gallery: GalleryImageDetail[],
  method: string,
  url: URL,
  reply: Reply,
  fail: Fail,
): Response | null {
  if (method !== 'GET') return null;
  const path = url.pathname;
  if (path === '/api/gallery/images') {
    if ((url.searchParams.get('q') ?? '').includes('fail:'))
      return fail(400, 'validation_failed', 'Invalid query.', { q: ['unknown filter fail:'] });
    return search(gallery, url, reply);
  }
  if (path === '/api/gallery/facets') {
    const found = gallery.filter((image) => matches(image, url));
    const none: FacetCount[] = [];
    const checkpoints = countBy(found.map((image) => image.params.checkpoint ?? ''));
    const owners = countBy(found.map((image) => image.created_by.username));
    const tags = countBy(found.flatMap((image) => image.tags));
    return reply(200, {
      checkpoints,
      loras: none,
      samplers: none,
      tags,
      owners,
      matches: found.length,
      sampled: false,
    });
  }
  if (path === '/api/gallery/compare') {
    const ids = (url.searchParams.get('ids') ?? '').split(',').map(Number);
    return reply(200, compare(gallery, ids));
  }
  if (path === '/api/gallery/values') {
    const prefix = url.searchParams.get('prefix') ?? '';
    const values = [...new Set(gallery.map((image) => image.params.checkpoint ?? ''))].filter((v) =>
      v.startsWith(prefix),
    );
    return reply(200, { kind: url.searchParams.get('kind'), values });
  }
  const similar = /^\/api\/gallery\/images\/(\d+)\/similar$/.exec(path);
  if (similar) {
    const origin = gallery.find((image) => image.id === Number(similar[1]));
    if (!origin) return fail(404, 'gallery.not_found', 'No such image.');
    const items = gallery
      .filter((image) => image.id !== origin.id && image.params.checkpoint === origin.params.checkpoint)
      .map(toItem);
    return reply(200, { items });
  }
  return null;
}
