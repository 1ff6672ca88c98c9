import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createMask, hasPaint, type MaskBuffer } from '../../domain/mask';
import MaskEditor from './MaskEditor.vue';

afterEach(() => {
  document.body.innerHTML = '';
});

function mountEditor(mask: MaskBuffer = createMask(100, 100)) {
  const wrapper = mount(MaskEditor, { props: { src: '/input.png', mask }, attachTo: document.body });
  // happy-dom lays nothing out: show the canvas as a 200 × 200 box at (0, 0), i.e. two screen pixels a mask pixel.
  const canvas = wrapper.find('canvas').element;
  canvas.getBoundingClientRect = () => DOMRect.fromRect({ x: 0, y: 0, width: 200, height: 200 });
  return { wrapper, mask };
}

const status = (wrapper: VueWrapper) => wrapper.find('[role="status"]').text();
const key = (wrapper: VueWrapper, k: string, mods: KeyboardEventInit = {}) =>
  wrapper.find('section').trigger('keydown', { key: k, ...mods });
const button = (wrapper: VueWrapper, name: string) => {
  const found = wrapper.findAll('button').find((b) => b.text().startsWith(name));
  if (!found) throw new Error(`no ${name} button`);
  return found;
};

async function drag(wrapper: VueWrapper, points: [number, number][], pointerId = 1) {
  const viewport = wrapper.find('.mask-canvas');
  const [first, ...rest] = points;
  await viewport.trigger('pointerdown', { pointerId, button: 0, clientX: first![0], clientY: first![1] });
  for (const [x, y] of rest) await viewport.trigger('pointermove', { pointerId, clientX: x, clientY: y });
  await viewport.trigger('pointerup', { pointerId, clientX: rest.at(-1)![0], clientY: rest.at(-1)![1] });
}

describe('MaskEditor', () => {
  it('is one focusable, labelled region with a live status naming the tool and size', () => {
    const { wrapper } = mountEditor();
    const region = wrapper.find('section');
    expect(region.attributes('tabindex')).toBe('0');
    expect(region.attributes('aria-label')).toBe('Mask editor');
    expect(wrapper.find('[role="status"]').attributes('aria-live')).toBe('polite');
    expect(status(wrapper)).toBe('Brush 32 px');
    expect(wrapper.find('canvas').attributes('aria-label')).toContain('100 × 100 px');
  });

  it('changes the brush size with [ and ] and swaps brush and eraser with X', async () => {
    const { wrapper } = mountEditor();
    await key(wrapper, ']');
    expect(status(wrapper)).toBe('Brush 40 px');
    await key(wrapper, '[');
    await key(wrapper, '[');
    expect(status(wrapper)).toBe('Brush 26 px');
    await key(wrapper, 'x');
    expect(status(wrapper)).toBe('Eraser 26 px');
    expect(wrapper.find<HTMLInputElement>('input[value="eraser"]').element.checked).toBe(true);
    await key(wrapper, 'X', { shiftKey: true });
    expect(status(wrapper)).toBe('Brush 26 px');
  });

  it('paints where the pointer drags, and Ctrl-Z / Ctrl-Shift-Z / Ctrl-Y undo and redo it', async () => {
    const { wrapper, mask } = mountEditor();
    expect(wrapper.text()).toContain('Nothing painted yet');
    await drag(wrapper, [
      [20, 100],
      [100, 100],
      [180, 100],
    ]);
    // Screen (20..180, 100) is mask (10..90, 50).
    expect(mask.alpha[50 * 100 + 50]).toBe(255);
    expect(mask.alpha[50 * 100 + 12]).toBe(255);
    expect(mask.alpha[5 * 100 + 50]).toBe(0);
    expect(wrapper.emitted('change')).toEqual([[true]]);
    expect(wrapper.text()).toContain('Painted areas will be repainted');

    await key(wrapper, 'z', { ctrlKey: true });
    expect(hasPaint(mask)).toBe(false);
    expect(status(wrapper)).toBe('Undone');
    expect(wrapper.text()).toContain('Nothing painted yet');
    await key(wrapper, 'Z', { ctrlKey: true, shiftKey: true });
    expect(mask.alpha[50 * 100 + 50]).toBe(255);
    await key(wrapper, 'z', { metaKey: true });
    await key(wrapper, 'y', { ctrlKey: true });
    expect(hasPaint(mask)).toBe(true);
    expect(wrapper.emitted('change')!.at(-1)).toEqual([true]);
  });

  it('erases with the eraser', async () => {
    const { wrapper, mask } = mountEditor();
    await drag(wrapper, [
      [20, 100],
      [180, 100],
    ]);
    await key(wrapper, 'x');
    await drag(wrapper, [
      [100, 40],
      [100, 160],
    ]);
    expect(mask.alpha[50 * 100 + 50]).toBe(0);
    expect(mask.alpha[50 * 100 + 20]).toBe(255);
  });

  it('turns a stroke into a pinch when a second finger lands, leaving nothing painted', async () => {
    const { wrapper, mask } = mountEditor();
    const viewport = wrapper.find('.mask-canvas');
    await viewport.trigger('pointerdown', { pointerId: 1, button: 0, clientX: 50, clientY: 50 });
    await viewport.trigger('pointermove', { pointerId: 1, clientX: 80, clientY: 50 });
    expect(hasPaint(mask)).toBe(true);
    await viewport.trigger('pointerdown', { pointerId: 2, button: 0, clientX: 120, clientY: 50 });
    expect(hasPaint(mask)).toBe(false);
    expect(button(wrapper, 'Undo').attributes('disabled')).toBeDefined();
  });

  it('runs its toolbar: invert, clear, undo, redo and zoom', async () => {
    const { wrapper, mask } = mountEditor(createMask(10, 10));
    expect(button(wrapper, 'Undo').attributes('disabled')).toBeDefined();
    await button(wrapper, 'Invert').trigger('click');
    expect(mask.alpha.every((v) => v === 255)).toBe(true);
    expect(status(wrapper)).toBe('Mask inverted');
    await button(wrapper, 'Clear').trigger('click');
    expect(hasPaint(mask)).toBe(false);
    await button(wrapper, 'Undo').trigger('click');
    expect(mask.alpha.every((v) => v === 255)).toBe(true);
    await button(wrapper, 'Redo').trigger('click');
    expect(hasPaint(mask)).toBe(false);
    expect(wrapper.emitted('change')!.map(([painted]) => painted)).toEqual([true, false, true, false]);

    await button(wrapper, 'Zoom in').trigger('click');
    expect(status(wrapper)).toBe('Zoom 125%');
    await key(wrapper, '+');
    expect(status(wrapper)).toBe('Zoom 156%');
    await button(wrapper, 'Fit').trigger('click');
    expect(status(wrapper)).toBe('Zoom 100%');
    expect(button(wrapper, 'Undo').attributes('aria-keyshortcuts')).toBe('Control+Z');
  });

  it('sets the size from the slider', async () => {
    const { wrapper } = mountEditor();
    await wrapper.find('input[type="range"]').setValue('64');
    expect(status(wrapper)).toBe('Brush 64 px');
    expect(wrapper.find('.mask-toolbar__size-value').text()).toBe('64 px');
  });
});
