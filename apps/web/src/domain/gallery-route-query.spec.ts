import { describe, expect, it } from 'vitest';
import {
  galleryStateFromRoute,
  galleryStateKey,
  routeFromGalleryState,
  searchParamsOf,
  type GalleryRouteState,
} from './gallery-route-query';

describe('gallery URL ⇄ state', () => {
  it('reads every filter, the sort and the stacks switch from the URL, and writes them back', () => {
    const query = {
      q: 'red lighthouse model:sdxl',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      lora: 'detail',
      sampler: 'euler',
      seed: '42',
      owner: 'alice',
      from: '2026-01-01',
      to: '2026-02-01',
      min_rating: '3',
      tag: 'client-a',
      board: '7',
      status: 'approved',
      size: '1024x1024',
      aspect: 'portrait',
      has_workflow: '1',
      sort: 'random',
      seed_order: '9',
      stacks: '0',
      similar: '12',
    };
    const state = galleryStateFromRoute(query);
    expect(state.search).toEqual({
      q: 'red lighthouse model:sdxl',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      lora: 'detail',
      sampler: 'euler',
      seed: 42,
      owner: 'alice',
      from: '2026-01-01',
      to: '2026-02-01',
      min_rating: 3,
      tag: 'client-a',
      board: 7,
      status: 'approved',
      size: '1024x1024',
      aspect: 'portrait',
      has_workflow: true,
      sort: 'random',
      seed_order: 9,
      stacks: false,
    });
    expect(state.similar).toBe(12);
    expect(routeFromGalleryState(state)).toEqual(query);
    expect(galleryStateFromRoute(routeFromGalleryState(state))).toEqual(state);
  });

  it('leaves the defaults out of the URL: newest first, stacks on, no search', () => {
    const state = galleryStateFromRoute({ sort: 'newest', stacks: '1', q: '   ' });
    expect(state).toEqual({ search: {}, similar: null });
    expect(routeFromGalleryState(state)).toEqual({});
  });

  it('drops what a hand-edited URL gets wrong instead of guessing', () => {
    const state = galleryStateFromRoute({
      seed: '1e3',
      min_rating: '-1',
      board: ' 7',
      status: 'published',
      aspect: 'round',
      sort: 'best',
      has_workflow: 'maybe',
      similar: '0',
      unknown: 'x',
    });
    expect(state).toEqual({ search: {}, similar: null });
  });

  it('reads the trash as a status filter', () => {
    expect(galleryStateFromRoute({ status: 'trashed' }).search).toEqual({ status: 'trashed' });
  });

  it('takes the first of a repeated key, and ignores a key given without a value', () => {
    expect(galleryStateFromRoute({ tag: ['a', 'b'], owner: null }).search).toEqual({ tag: 'a' });
  });

  it('keeps keys it does not own (the open image) and orders keys the same way every time', () => {
    const a: GalleryRouteState = { search: { tag: 'x', q: 'cat' }, similar: null };
    const b: GalleryRouteState = { search: { q: 'cat', tag: 'x' }, similar: null };
    expect(Object.keys(routeFromGalleryState(a, { image: '5' }))).toEqual(['q', 'tag', 'image']);
    expect(galleryStateKey(a)).toBe(galleryStateKey(b));
    expect(galleryStateKey(a)).not.toBe(galleryStateKey({ ...a, similar: 3 }));
  });
});

describe('searchParamsOf', () => {
  it('writes booleans as 0/1 and leaves empty values out', () => {
    const params = searchParamsOf({ q: '', tag: 'a', stacks: false, has_workflow: true, limit: 60 });
    expect(params.toString()).toBe('tag=a&stacks=0&has_workflow=1&limit=60');
  });
});
