import type { SweepCell } from '@atelier/contract';
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import type { SweepPage } from '../../domain/sweep-grid';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import SweepGrid from './SweepGrid.vue';

const cell = (x: number, y: number, status: SweepCell['status']): SweepCell => ({
  x,
  y,
  z: 0,
  prompt_id: `p-${x}-${y}`,
  status,
  images: [],
  error: null,
  params: null,
});

// 3 × 2, one cell not queued yet.
const page: SweepPage = {
  z: 0,
  columns: ['3', '5', '7'],
  rows: ['euler', 'ddim'],
  cells: [
    [cell(0, 0, 'running'), cell(1, 0, 'waiting'), cell(2, 0, 'failed')],
    [cell(0, 1, 'queued'), cell(1, 1, 'lost'), null],
  ],
};

beforeEach(() => {
  installFakeApi(testUsers.user);
});

afterEach(() => {
  document.body.innerHTML = '';
});

function mountGrid() {
  return mount(SweepGrid, { props: { page, xTitle: 'CFG', yTitle: 'Sampler' }, attachTo: document.body });
}

const focused = () => (document.activeElement as HTMLElement | null)?.getAttribute('aria-label');

describe('SweepGrid', () => {
  it('labels every cell by its axes and state, with one cell in the Tab order', () => {
    const wrapper = mountGrid();
    expect(wrapper.get('[role="grid"]').attributes('aria-label')).toBe('CFG across, Sampler down');
    const buttons = wrapper.findAll('button');
    expect(buttons.map((b) => b.attributes('aria-label'))).toEqual([
      'CFG 3, Sampler euler: running',
      'CFG 5, Sampler euler: waiting',
      'CFG 7, Sampler euler: failed',
      'CFG 3, Sampler ddim: queued',
      'CFG 5, Sampler ddim: lost',
      'CFG 7, Sampler ddim: not queued',
    ]);
    expect(buttons.filter((b) => b.attributes('tabindex') === '0')).toHaveLength(1);
  });

  it('moves focus with the arrow keys and opens a cell with Enter (a click)', async () => {
    const wrapper = mountGrid();
    const first = wrapper.get('[data-x="0"][data-y="0"]');
    (first.element as HTMLElement).focus();
    await first.trigger('keydown', { key: 'ArrowRight' });
    await nextTick();
    expect(focused()).toBe('CFG 5, Sampler euler: waiting');
    await wrapper.get('[data-x="1"][data-y="0"]').trigger('keydown', { key: 'ArrowDown' });
    await nextTick();
    expect(focused()).toBe('CFG 5, Sampler ddim: lost');
    // The roving tab stop follows the focus.
    expect(wrapper.get('[data-x="1"][data-y="1"]').attributes('tabindex')).toBe('0');
    expect(first.attributes('tabindex')).toBe('-1');
    await wrapper.get('[data-x="1"][data-y="1"]').trigger('keydown', { key: 'Home', ctrlKey: true });
    await nextTick();
    expect(focused()).toBe('CFG 3, Sampler euler: running');

    // A native button: Enter and Space click it.
    await wrapper.get('[data-x="1"][data-y="1"]').trigger('click');
    expect(wrapper.emitted('open')?.[0]).toEqual([page.cells[1]?.[1]]);
    // A cell not queued yet opens nothing.
    expect(wrapper.get('[data-x="2"][data-y="1"]').attributes('disabled')).toBeDefined();
  });
});
