import type { BulkRequest } from '@atelier/contract';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { galleryImage } from '../test/fake-comfy';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useReviewStore } from './review';

let queue: number[];
let decisions: BulkRequest[];

/** GET /api/review answers the ids left in `queue`; bulk decisions take them out. */
beforeEach(() => {
  const api = installFakeApi(testUsers.curator);
  queue = [7, 8, 9];
  decisions = [];
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const { pathname } = new URL(input, 'http://localhost');
    if (pathname === '/api/review') {
      const items = queue.map((id) => {
        const { provenance: _p, note: _n, review: _r, ...item } = galleryImage(id);
        return { ...item, status: 'pending', submitted_at: '2025-01-01T00:00:00Z' };
      });
      return json({ items, next_cursor: null, total_estimate: items.length });
    }
    if (pathname === '/api/gallery/bulk') {
      const request = JSON.parse(init?.body as string) as BulkRequest;
      decisions.push(request);
      if ('ids' in request.selection) {
        const decided = request.selection.ids;
        queue = queue.filter((id) => !decided.includes(id));
      }
      return json({ affected: 1, skipped: 0, undo: null });
    }
    return api.fetch(input, init);
  });
});

describe('review store', () => {
  it('J/K move through the queue; a decision removes the image and shows the next', async () => {
    const review = useReviewStore();
    await review.load();
    expect(review.current?.id).toBe(7);
    await review.step(1);
    expect(review.current?.id).toBe(8);
    await review.step(-1);
    await review.step(-1);
    expect(review.current?.id).toBe(7);

    await review.decide('approve');
    expect(decisions[0]).toEqual({ selection: { ids: [7] }, action: { type: 'approve' } });
    expect(review.current?.id).toBe(8);
    await review.step(1);
    await review.decide('reject', 'too dark');
    expect(decisions[1]).toEqual({ selection: { ids: [9] }, action: { type: 'reject', note: 'too dark' } });
    // The last one decided, the queue falls back to the one before it.
    expect(review.current?.id).toBe(8);
    await review.decide('approve');
    expect(review.current).toBeNull();
    expect(await review.decide('approve')).toBe(false);
    expect(decisions).toHaveLength(3);
  });
});
