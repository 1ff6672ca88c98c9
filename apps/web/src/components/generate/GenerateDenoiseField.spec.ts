import type { ComfyUploadResponse } from '@atelier/contract';
import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { useGenerateStore } from '../../stores/generate';
import { useMaskStore } from '../../stores/mask';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import GenerateDenoiseField from './GenerateDenoiseField.vue';

const input: ComfyUploadResponse = {
  id: 1,
  name: 'atelier-1.png',
  subfolder: 'atelier',
  type: 'input',
  image: 'atelier/atelier-1.png',
  kind: 'image',
  ephemeral: false,
  mime: 'image/png',
  bytes: 10,
  width: 8,
  height: 4,
  sha256: 'a'.repeat(64),
};

beforeEach(() => {
  installFakeApi(testUsers.user);
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('GenerateDenoiseField', () => {
  it('shows the inpainting default while a mask is painted, before any submit set draft.mask', async () => {
    const store = useGenerateStore();
    store.draft.image = input;
    store.draft.mask = null;
    store.draft.denoise = null;
    const wrapper = mount(GenerateDenoiseField, { attachTo: document.body });
    const range = () => (wrapper.get('input[type=range]').element as HTMLInputElement).value;
    expect(range()).toBe('0.75');

    const masks = useMaskStore();
    masks.forInput(input);
    masks.isEnabled = true;
    await nextTick();
    // Painting switched on but nothing painted yet: no mask would go out, still img2img.
    expect(range()).toBe('0.75');
    masks.changed(true);
    await nextTick();
    expect(range()).toBe('1');
    expect(store.draft.mask).toBeNull();

    // A chosen value wins, and "Back to" names the default that applies now.
    store.draft.denoise = 0.5;
    await nextTick();
    expect(range()).toBe('0.5');
    expect(wrapper.text()).toContain('Back to 1');

    // All erased: back to img2img's default.
    masks.changed(false);
    store.draft.denoise = null;
    await nextTick();
    expect(range()).toBe('0.75');
  });
});
