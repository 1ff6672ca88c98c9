import type { SweepCell, SweepResponse } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import {
  cellProvenance,
  emptyAxis,
  moveInGrid,
  parseAxis,
  summarizeSweep,
  sweepPage,
  sweepProgress,
} from './sweep-grid';

describe('parseAxis', () => {
  it('reads lists, seed ranges, names and prompt replacements', () => {
    expect(parseAxis({ ...emptyAxis('cfg'), values: '4, 6.5 9' })).toEqual({
      axis: { param: 'cfg', values: [4, 6.5, 9] },
      count: 3,
    });
    expect(parseAxis({ ...emptyAxis('seed'), values: '100-107' })).toEqual({
      axis: { param: 'seed', from: 100, count: 8 },
      count: 8,
    });
    expect(parseAxis({ ...emptyAxis('seed'), values: '7, 9' })).toMatchObject({
      axis: { param: 'seed', values: [7, 9] },
    });
    expect(parseAxis({ ...emptyAxis('sampler'), values: 'euler, dpmpp_2m' })).toMatchObject({
      axis: { param: 'sampler', values: ['euler', 'dpmpp_2m'] },
    });
    expect(parseAxis({ ...emptyAxis('prompt'), search: 'fox', values: 'cat | owl, at night' })).toEqual({
      axis: { param: 'prompt', search: 'fox', values: ['cat', 'owl, at night'] },
      count: 2,
    });
    expect(
      parseAxis({ ...emptyAxis('lora_weight'), lora: 'detail.safetensors', values: '0 0.5 1' }),
    ).toMatchObject({
      axis: { param: 'lora_weight', lora: 'detail.safetensors', values: [0, 0.5, 1] },
    });
  });

  it('says what is wrong with a row', () => {
    expect(parseAxis(emptyAxis('cfg'))).toEqual({ error: 'Enter at least one value.' });
    expect(parseAxis({ ...emptyAxis('steps'), values: '10, 12.5' })).toHaveProperty('error');
    expect(parseAxis({ ...emptyAxis('cfg'), values: '4, four' })).toHaveProperty('error');
    expect(parseAxis({ ...emptyAxis('cfg'), values: '4, 4' })).toEqual({ error: 'A value is listed twice.' });
    expect(parseAxis({ ...emptyAxis('seed'), values: '9-3' })).toHaveProperty('error');
    expect(parseAxis({ ...emptyAxis('lora_weight'), values: '1' })).toEqual({ error: 'Choose the LoRA.' });
    expect(parseAxis({ ...emptyAxis('prompt'), values: 'x' })).toEqual({
      error: 'Enter the text to replace.',
    });
  });
});

describe('summarizeSweep', () => {
  it('counts the jobs and refuses more than 256 before sending', () => {
    const ok = summarizeSweep([
      { ...emptyAxis('cfg'), values: '3, 5' },
      { ...emptyAxis('sampler'), values: 'a, b, c' },
    ]);
    expect(ok).toMatchObject({ jobs: 6, label: '2 × 3 = 6 jobs', isTooMany: false, canSend: true });
    expect(ok.axes).toHaveLength(2);
    const big = summarizeSweep([
      { ...emptyAxis('seed'), values: '1-16' },
      { ...emptyAxis('steps'), values: Array.from({ length: 17 }, (_, i) => i + 1).join(',') },
    ]);
    expect(big).toMatchObject({ jobs: 272, isTooMany: true, canSend: false });
    const exactly = summarizeSweep([
      { ...emptyAxis('seed'), values: '1-16' },
      { ...emptyAxis('steps'), values: Array.from({ length: 16 }, (_, i) => i + 1).join(',') },
    ]);
    expect(exactly).toMatchObject({ jobs: 256, canSend: true });
    const broken = summarizeSweep([{ ...emptyAxis('cfg'), values: '' }]);
    expect(broken).toMatchObject({ canSend: false, errors: ['Enter at least one value.'] });
    expect(summarizeSweep([]).canSend).toBe(false);
  });
});

function cell(x: number, y: number, z: number, status: SweepCell['status']): SweepCell {
  return { x, y, z, prompt_id: `p-${x}-${y}-${z}`, status, images: [], error: null, params: null };
}

function sweep(cells: SweepCell[], shape: [number, number, number] = [2, 3, 1]): SweepResponse {
  return {
    sweep_id: 's',
    owner: { id: 1, username: 'u' },
    created_at: '2026-12-05T00:00:00.000Z',
    base: { kind: 'txt2img', params: { caption: 'x' } },
    axes: [
      { param: 'cfg', title: 'CFG', labels: ['3', '5'], values: [3, 5] },
      { param: 'sampler', title: 'Sampler', labels: ['a', 'b', 'c'], values: ['a', 'b', 'c'] },
      ...(shape[2] > 1
        ? [{ param: 'seed' as const, title: 'Seed', labels: ['1', '2'], values: [1, 2] }]
        : []),
    ],
    shape,
    cells,
  };
}

describe('sweepPage and sweepProgress', () => {
  it('lays cells out by row and column, leaving holes for cells not queued yet', () => {
    const page = sweepPage(sweep([cell(1, 2, 0, 'succeeded'), cell(0, 0, 0, 'running')]), 0);
    expect(page.columns).toEqual(['3', '5']);
    expect(page.rows).toEqual(['a', 'b', 'c']);
    expect(page.cells.map((row) => row.map((c) => c?.status ?? null))).toEqual([
      ['running', null],
      [null, null],
      [null, 'succeeded'],
    ]);
  });

  it('shows one Z page at a time and a one-axis sweep as one row', () => {
    const cube = sweep([cell(0, 0, 0, 'succeeded'), cell(1, 0, 1, 'failed')], [2, 3, 2]);
    expect(sweepPage(cube, 1).cells[0]).toEqual([null, expect.objectContaining({ status: 'failed' })]);
    const line = { ...sweep([cell(0, 0, 0, 'queued')], [2, 1, 1]), axes: sweep([]).axes.slice(0, 1) };
    expect(sweepPage(line, 0).rows).toEqual(['']);
  });

  it('is settled only when every cell has ended', () => {
    const all = [0, 1].flatMap((x) => [0, 1, 2].map((y) => cell(x, y, 0, 'succeeded')));
    expect(sweepProgress(sweep(all))).toEqual({ done: 6, failed: 0, total: 6, isSettled: true });
    const one = all.map((c, i) => (i === 0 ? { ...c, status: 'waiting' as const } : c));
    expect(sweepProgress(sweep(one))).toMatchObject({ done: 5, isSettled: false });
    expect(sweepProgress(sweep(all.slice(1)))).toMatchObject({ isSettled: false });
    const failed = all.map((c, i) => (i === 0 ? { ...c, status: 'failed' as const } : c));
    expect(sweepProgress(sweep(failed))).toEqual({ done: 5, failed: 1, total: 6, isSettled: true });
  });
});

describe('moveInGrid', () => {
  const size = { columns: 3, rows: 2 };
  it('moves with the arrows and stops at the edges', () => {
    expect(moveInGrid({ x: 0, y: 0 }, 'ArrowRight', size)).toEqual({ x: 1, y: 0 });
    expect(moveInGrid({ x: 2, y: 0 }, 'ArrowRight', size)).toEqual({ x: 2, y: 0 });
    expect(moveInGrid({ x: 1, y: 0 }, 'ArrowDown', size)).toEqual({ x: 1, y: 1 });
    expect(moveInGrid({ x: 1, y: 1 }, 'ArrowDown', size)).toEqual({ x: 1, y: 1 });
    expect(moveInGrid({ x: 0, y: 1 }, 'ArrowUp', size)).toEqual({ x: 0, y: 0 });
    expect(moveInGrid({ x: 0, y: 1 }, 'ArrowLeft', size)).toEqual({ x: 0, y: 1 });
    expect(moveInGrid({ x: 1, y: 1 }, 'Home', size)).toEqual({ x: 0, y: 1 });
    expect(moveInGrid({ x: 0, y: 0 }, 'End', size, true)).toEqual({ x: 2, y: 1 });
    expect(moveInGrid({ x: 0, y: 0 }, 'Enter', size)).toBeNull();
  });
});

describe('cellProvenance', () => {
  it("lists the cell's axis values first, then its job's other parameters, each once", () => {
    const withParams = {
      ...cell(1, 2, 0, 'succeeded'),
      params: {
        caption: 'a fox',
        seed: 42,
        steps: 4,
        cfg: 5,
        sampler: 'c',
        loras: ['l.safetensors'],
        lora_weights: [0.5],
      },
    };
    expect(cellProvenance(sweep([withParams]), withParams)).toEqual([
      { label: 'CFG', value: '5' },
      { label: 'Sampler', value: 'c' },
      { label: 'Prompt', value: 'a fox' },
      { label: 'Seed', value: '42' },
      { label: 'Steps', value: '4' },
      { label: 'LoRAs', value: 'l.safetensors (0.5)' },
      { label: 'Status', value: 'succeeded' },
      { label: 'Prompt ID', value: 'p-1-2-0' },
    ]);
  });
});
