import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { galleryImage } from '../../../test/fake-comfy';
import { installFakeApi, testUsers } from '../../../test/install-fake-api';
import GalleryCompare from './GalleryCompare.vue';

beforeEach(() => {
  installFakeApi(testUsers.curator);
});

afterEach(() => {
  document.body.innerHTML = '';
});

const mountCompare = (count: number) =>
  mount(GalleryCompare, {
    props: { images: Array.from({ length: count }, (_, i) => galleryImage(i + 1)) },
    attachTo: document.body,
  });

const transforms = (wrapper: ReturnType<typeof mountCompare>) =>
  wrapper.findAll('[data-testid="compare-image"]').map((img) => (img.element as HTMLElement).style.transform);

describe('GalleryCompare', () => {
  it('zooms and pans every pane alike, whichever pane the wheel or the drag is on', async () => {
    const wrapper = mountCompare(3);
    const panes = wrapper.findAll('figure');
    expect(panes).toHaveLength(3);
    await panes[2]!.trigger('wheel', { deltaY: -200, clientX: 0, clientY: 0 });
    const zoomed = transforms(wrapper);
    expect(new Set(zoomed).size).toBe(1);
    expect(zoomed[0]).toContain('scale(1.563)');
    await panes[0]!.trigger('pointerdown', { button: 0, pointerId: 1, clientX: 10, clientY: 10 });
    await panes[0]!.trigger('pointermove', { pointerId: 1, clientX: 40, clientY: 30 });
    await panes[0]!.trigger('pointerup', { pointerId: 1 });
    const panned = transforms(wrapper);
    expect(new Set(panned).size).toBe(1);
    expect(panned[0]).not.toBe(zoomed[0]);
    await wrapper.get('button[aria-label="Reset zoom"]').trigger('click');
    expect(transforms(wrapper)[0]).toBe('translate(0.0px, 0.0px) scale(1.000)');
  });

  it('offers the slider for two images only, and Esc closes', async () => {
    expect(mountCompare(3).find('[aria-label="View"]').exists()).toBe(false);
    document.body.innerHTML = '';
    const wrapper = mountCompare(2);
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Slider')!
      .trigger('click');
    expect(wrapper.find('input[type="range"]').exists()).toBe(true);
    expect(wrapper.findAll('[data-testid="compare-image"]')).toHaveLength(2);
    await wrapper.get('[role="dialog"]').trigger('keydown', { key: 'Escape' });
    expect(wrapper.emitted('close')).toHaveLength(1);
  });
});
