import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useComfyInfoStore } from '../../stores/comfy-info';
import { useGenerateStore } from '../../stores/generate';
import type { FakeApi } from '../../test/fake-api';
import { installFakeXhr } from '../../test/fake-xhr';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import GenerateForm from './GenerateForm.vue';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.user);
  installFakeXhr(api.fetch);
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountForm() {
  await useComfyInfoStore().ensureLoaded();
  const wrapper = mount(GenerateForm, {
    attachTo: document.body,
    global: { stubs: { RouterLink: RouterLinkStub } },
  });
  await flushPromises();
  return wrapper;
}

const byLabel = (wrapper: Awaited<ReturnType<typeof mountForm>>, text: string) => {
  const label = wrapper.findAll('label').find((l) => l.text() === text);
  return wrapper.get(`#${label?.attributes('for') ?? 'missing'}`);
};

describe('GenerateForm with an input image', () => {
  it('offers only the input image until one is set; then the size follows it and denoise shows', async () => {
    const wrapper = await mountForm();
    expect(byLabel(wrapper, 'Input image').attributes('type')).toBe('file');
    expect(wrapper.text()).not.toContain('Match input size');
    expect(wrapper.get('[data-testid=size-fields]').attributes('disabled')).toBeUndefined();

    const store = useGenerateStore();
    await store.useAsInput(new Blob([new Uint8Array(10)], { type: 'image/png' }), 'in.png');
    await flushPromises();
    expect(wrapper.get('[data-testid=size-fields]').attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Follows the input image: 640 × 480.');
    const match = wrapper.get('[role=switch]');
    expect(match.attributes('aria-checked')).toBe('true');
    expect((byLabel(wrapper, 'Denoise').element as HTMLInputElement).value).toBe('0.75');

    await match.trigger('click');
    expect(store.draft.matchInputSize).toBe(false);
    expect(wrapper.get('[data-testid=size-fields]').attributes('disabled')).toBeUndefined();
    await byLabel(wrapper, 'Denoise').setValue('0.4');
    expect(store.draft.denoise).toBe(0.4);
    expect((byLabel(wrapper, 'Denoise value').element as HTMLInputElement).value).toBe('0.4');
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Back to 0.75')!
      .trigger('click');
    expect(store.draft.denoise).toBeNull();

    await wrapper
      .findAll('button')
      .find((b) => b.text().startsWith('Remove'))!
      .trigger('click');
    expect(store.draft.image).toBeNull();
    expect(wrapper.text()).not.toContain('Match input size');
  });
});
