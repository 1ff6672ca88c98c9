import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useComfyInfoStore } from '../../stores/comfy-info';
import { useGenerateStore } from '../../stores/generate';
import { useMaskStore } from '../../stores/mask';
import type { FakeApi } from '../../test/fake-api';
import { installFakeXhr } from '../../test/fake-xhr';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import GenerateInpaintSection from './GenerateInpaintSection.vue';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.user);
  installFakeXhr(api.fetch);
  // happy-dom draws nothing: the mask's PNG is whatever toBlob is handed.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue({
    putImageData: () => undefined,
  } as unknown as CanvasRenderingContext2D);
  vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation((done, type) =>
    done(new Blob(['mask'], { type })),
  );
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountWithInput() {
  await useComfyInfoStore().ensureLoaded();
  const wrapper = mount(GenerateInpaintSection, { attachTo: document.body });
  expect(wrapper.find('[role=switch]').exists()).toBe(false);
  const store = useGenerateStore();
  store.draft.caption = 'a door';
  await store.useAsInput(new Blob([new Uint8Array(10)], { type: 'image/png' }), 'in.png');
  await flushPromises();
  return { wrapper, store };
}

/** Switches painting on and waits for the editor's lazily loaded chunk. */
async function openEditor(wrapper: Awaited<ReturnType<typeof mountWithInput>>['wrapper']) {
  await wrapper.get('[role=switch]').trigger('click');
  await vi.waitFor(() => wrapper.get('section[aria-label="Mask editor"]'));
  await flushPromises();
}

const button = (wrapper: Awaited<ReturnType<typeof mountWithInput>>['wrapper'], name: string) =>
  wrapper.findAll('button').find((b) => b.text() === name)!;

describe('GenerateInpaintSection', () => {
  it('opens the mask editor over the input, at its size, from the "Paint a mask" switch', async () => {
    const { wrapper } = await mountWithInput();
    expect(wrapper.find('section').exists()).toBe(false);
    await openEditor(wrapper);
    const editor = wrapper.get('section[aria-label="Mask editor"]');
    expect(editor.get('canvas').attributes('aria-label')).toContain('640 × 480 px');
    expect(editor.get('img').attributes('src')).toContain('type=input');
    expect(useMaskStore().buffer?.alpha.length).toBe(640 * 480);
  });

  it('uploads the painted mask at submit and sends it instead of a size, at the inpainting denoise', async () => {
    const { wrapper, store } = await mountWithInput();
    await openEditor(wrapper);
    await button(wrapper, 'Invert').trigger('click');

    expect(await store.submit()).toBe(true);
    const mask = api.comfy.inputUploads.at(-1)!;
    expect([mask.kind, mask.ephemeral]).toEqual(['mask', true]);
    const sent = api.comfy.txt2imgRequests.at(-1)!;
    expect(sent.mask).toBe(mask.image);
    expect(sent.image).toBe(api.comfy.inputUploads[0]!.image);
    expect(sent.denoise).toBe(1);
    expect(sent).not.toHaveProperty('width');
    expect(sent).not.toHaveProperty('height');

    // All erased: the next submit is img2img again, with no mask uploaded.
    await button(wrapper, 'Clear').trigger('click');
    await flushPromises();
    expect(store.draft.mask).toBeNull();
    const uploads = api.comfy.inputUploads.length;
    expect(await store.submit()).toBe(true);
    expect(api.comfy.inputUploads).toHaveLength(uploads);
    expect(api.comfy.txt2imgRequests.at(-1)).not.toHaveProperty('mask');
  });

  it('sends no mask when painting is switched off', async () => {
    const { wrapper, store } = await mountWithInput();
    await openEditor(wrapper);
    await button(wrapper, 'Invert').trigger('click');
    await wrapper.get('[role=switch]').trigger('click');
    await flushPromises();
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests.at(-1)).not.toHaveProperty('mask');
    expect(api.comfy.inputUploads.map((u) => u.kind)).toEqual(['image']);
  });
});
