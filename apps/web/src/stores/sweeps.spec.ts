import type { SweepCell, SweepRequest, SweepResponse } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useGenerateStore } from './generate';
import { sweepPollMs, useSweepsStore } from './sweeps';

/** The sweeps routes in front of the fake API: what was posted, and a sweep whose cells end on command. */
interface FakeSweeps {
  posted: { body: SweepRequest; key: string | null }[];
  gets: number;
  cells: SweepCell[];
  answer: { status: number; body: unknown } | null;
}

let sweeps: FakeSweeps;

function sweepOf(cells: SweepCell[]): SweepResponse {
  return {
    sweep_id: 'sweep-1',
    owner: { id: 3, username: 'ursula' },
    created_at: '2026-12-05T00:00:00.000Z',
    base: { kind: 'txt2img', params: { caption: 'x' } },
    axes: [{ param: 'cfg', title: 'CFG', labels: ['3', '5'], values: [3, 5] }],
    shape: [2, 1, 1],
    cells,
  };
}

const cell = (x: number, status: SweepCell['status']): SweepCell => ({
  x,
  y: 0,
  z: 0,
  prompt_id: `p${x}`,
  status,
  images: [],
  error: null,
  params: null,
});

beforeEach(() => {
  const api = installFakeApi(testUsers.user);
  sweeps = { posted: [], gets: 0, cells: [cell(0, 'running'), cell(1, 'waiting')], answer: null };
  const inner = api.fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes('/api/comfy/sweeps')) return inner(input, init);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (init?.method === 'POST') {
      const headers = new Headers(init.headers);
      sweeps.posted.push({
        body: JSON.parse(init.body as string) as SweepRequest,
        key: headers.get('idempotency-key'),
      });
      if (sweeps.answer) return json(sweeps.answer.status, sweeps.answer.body);
      return json(201, { sweep_id: 'sweep-1', job_ids: ['p0', 'p1'] });
    }
    sweeps.gets += 1;
    return json(200, sweepOf(sweeps.cells.map((c) => ({ ...c }))));
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('sweeps store', () => {
  it("sends the Generate form's request as the base, with the axes, and returns the sweep's id", async () => {
    const generate = useGenerateStore();
    generate.draft.caption = 'a red fox';
    const store = useSweepsStore();
    store.axes[0]!.values = '3, 5';
    store.addAxis('sampler');
    store.axes[1]!.values = 'euler, ddim';
    expect(store.summary.label).toBe('2 × 2 = 4 jobs');
    expect(await store.submit()).toBe('sweep-1');
    expect(sweeps.posted).toHaveLength(1);
    const [{ body, key }] = sweeps.posted as [(typeof sweeps.posted)[number]];
    expect(body.base).toEqual({ kind: 'txt2img', params: generate.request.params });
    expect(body.base.params).toMatchObject({ caption: 'a red fox' });
    expect(body.axes).toEqual([
      { param: 'cfg', values: [3, 5] },
      { param: 'sampler', values: ['euler', 'ddim'] },
    ]);
    expect(key).toMatch(/\S{16,}/);
  });

  it('sends nothing over 256 jobs or without a prompt, and shows what the server refused', async () => {
    const generate = useGenerateStore();
    const store = useSweepsStore();
    store.axes[0]!.values = '3';
    expect(await store.submit()).toBeNull();
    expect(store.submitError).toContain('Fill in the Generate form first');
    generate.draft.caption = 'x';
    store.axes[0] = { param: 'seed', values: '1-300', lora: '', search: '' };
    expect(store.summary.isTooMany).toBe(true);
    expect(await store.submit()).toBeNull();
    expect(sweeps.posted).toHaveLength(0);

    store.axes[0] = { param: 'sampler', values: 'warp_drive', lora: '', search: '' };
    sweeps.answer = {
      status: 400,
      body: {
        code: 'validation_failed',
        message: 'Cell (0, 0, 0) of the sweep is refused',
        details: { 'axes.0.values': ['warp_drive is not offered'] },
      },
    };
    expect(await store.submit()).toBeNull();
    expect(store.submitError).toBe(
      'Cell (0, 0, 0) of the sweep is refused (axes.0.values: warp_drive is not offered)',
    );
  });

  it('polls an open sweep with one request at a time until every cell has ended', async () => {
    vi.useFakeTimers();
    const store = useSweepsStore();
    await store.follow('sweep-1');
    expect(store.progress).toMatchObject({ done: 0, total: 2, isSettled: false });
    sweeps.cells = [cell(0, 'succeeded'), cell(1, 'running')];
    await vi.advanceTimersByTimeAsync(sweepPollMs);
    expect(store.progress).toMatchObject({ done: 1, isSettled: false });
    sweeps.cells = [cell(0, 'succeeded'), cell(1, 'failed')];
    await vi.advanceTimersByTimeAsync(sweepPollMs);
    expect(store.progress).toEqual({ done: 1, failed: 1, total: 2, isSettled: true });
    const settledAt = sweeps.gets;
    await vi.advanceTimersByTimeAsync(sweepPollMs * 5);
    expect(sweeps.gets).toBe(settledAt);
  });

  it('stops polling when the page is left', async () => {
    vi.useFakeTimers();
    const store = useSweepsStore();
    await store.follow('sweep-1');
    store.stopFollowing();
    const before = sweeps.gets;
    await vi.advanceTimersByTimeAsync(sweepPollMs * 5);
    expect(sweeps.gets).toBe(before);
  });
});
