import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSessionStore } from '../stores/session';
import { installFakeQueue, type FakeQueue } from '../test/fake-queue';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import UsagePage from './UsagePage.vue';

let queue: FakeQueue;

beforeEach(async () => {
  queue = installFakeQueue(installFakeApi({ ...testUsers.admin }));
  await useSessionStore().ensureLoaded();
  const day = (d: string, gpu_seconds: number) => ({ day: d, jobs: 1, gpu_seconds });
  queue.usage = {
    from: '2025-01-01',
    to: '2025-01-03',
    group_by: 'user',
    days: ['2025-01-01', '2025-01-02', '2025-01-03'],
    rows: [
      {
        key: '3',
        label: 'ursula',
        jobs: 2,
        gpu_seconds: 90,
        days: [day('2025-01-01', 30), day('2025-01-03', 60)],
      },
      { key: '2', label: 'cora', jobs: 1, gpu_seconds: 15, days: [day('2025-01-03', 15)] },
    ],
    totals: { jobs: 3, gpu_seconds: 105, days: [day('2025-01-01', 30), day('2025-01-03', 75)] },
  };
});

const mountPage = async () => {
  const wrapper = mount(UsagePage, { global: { stubs: { RouterLink: RouterLinkStub } } });
  await flushPromises();
  return wrapper;
};

describe('UsagePage', () => {
  it('draws GPU-seconds per user per day and lists the same figures in a table', async () => {
    const wrapper = await mountPage();
    const svg = wrapper.get('svg[role="img"]');
    expect(svg.attributes('aria-label')).toBe(
      'GPU-seconds per user per day, 2025-01-01 to 2025-01-03; the table lists the figures.',
    );
    // Three bar segments: ursula on two days, cora on one; each names itself on hover.
    expect(svg.findAll('rect').map((r) => r.get('title').text())).toEqual([
      '2025-01-01 · ursula: 30 GPU-s',
      '2025-01-03 · ursula: 60 GPU-s',
      '2025-01-03 · cora: 15 GPU-s',
    ]);
    const ursula = wrapper.get('[data-testid="usage-row-3"]');
    expect(ursula.findAll('th, td').map((c) => c.text())).toEqual(['ursula', '2', '90', '30', '60']);
    expect(wrapper.get('tfoot').text()).toContain('105');
  });

  it('asks again for another range and grouping, and exports the same as CSV', async () => {
    const wrapper = await mountPage();
    const [from, to] = wrapper.findAll('input[type="date"]');
    await from!.setValue('2025-01-01');
    await to!.setValue('2025-01-31');
    await wrapper.get('select').setValue('backend');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(queue.usageQueries.at(-1)).toBe('?from=2025-01-01&to=2025-01-31&group_by=backend');
    expect(wrapper.get('a[download]').attributes('href')).toBe(
      '/api/admin/usage?from=2025-01-01&to=2025-01-31&group_by=backend&format=csv',
    );
  });
});
