import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useComfyHealthStore } from '../../stores/comfy-health';
import { useComfyInfoStore } from '../../stores/comfy-info';
import { useComfyTemplatesStore } from '../../stores/comfy-templates';
import { useGenerateStore } from '../../stores/generate';
import { useJobsStore } from '../../stores/jobs';
import type { FakeApi } from '../../test/fake-api';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import { featureNodeClasses } from '../../domain/object-info';
import GenerateForm from './GenerateForm.vue';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
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

const optionsOf = (wrapper: Awaited<ReturnType<typeof mountForm>>, label: string) => {
  const id = wrapper
    .findAll('label')
    .find((l) => l.text() === label)
    ?.attributes('for');
  return wrapper.findAll(`#${id} option`).map((o) => o.text());
};

describe('GenerateForm', () => {
  it('fills the pickers from object_info', async () => {
    const wrapper = await mountForm();
    expect(optionsOf(wrapper, 'Checkpoint')).toEqual(['Server default', 'sdxl.safetensors', 'sd15.ckpt']);
    expect(optionsOf(wrapper, 'Sampler')).toEqual(['Default', 'euler', 'dpmpp_2m']);
    expect(optionsOf(wrapper, 'Scheduler')).toEqual(['Default', 'normal', 'karras']);
    expect(optionsOf(wrapper, 'Add a LoRA')).toEqual([
      'Choose a LoRA…',
      'detail.safetensors',
      'style.safetensors',
    ]);
  });

  it('shows only the advanced switches the server supports', async () => {
    let wrapper = await mountForm();
    expect(
      wrapper
        .findAll('[role="switch"]')
        .map((s) => s.attributes('id') && s.element.closest('.app-switch')?.textContent),
    ).toEqual([expect.stringContaining('Perturbed-Attention Guidance')]);
    wrapper.unmount();

    setActivePinia(createPinia());
    api.comfy.objectInfo = { KSampler: { input: {} } };
    wrapper = await mountForm();
    expect(wrapper.find('details').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('LoRAs');
    wrapper.unmount();

    setActivePinia(createPinia());
    api.comfy.objectInfo = Object.fromEntries(
      featureNodeClasses.detail_daemon.map((name) => [name, { input: {} }]),
    );
    wrapper = await mountForm();
    expect(wrapper.get('details').text()).toContain('Detail Daemon');
  });

  it('says what is out of bounds beside the field, and focuses it on submit', async () => {
    const wrapper = await mountForm();
    const width = wrapper.get('input[type="number"][step="8"]');
    await width.setValue('1001');
    expect(width.attributes('aria-invalid')).toBe('true');
    expect(wrapper.text()).toContain('Width must be a multiple of 8.');
    await wrapper.get('textarea').setValue('a boat');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(api.comfy.txt2imgRequests).toEqual([]);
    expect(document.activeElement).toBe(width.element);
  });

  it('queues a job from the prompt with Ctrl+Enter', async () => {
    const wrapper = await mountForm();
    const prompt = wrapper.get('textarea');
    await prompt.setValue('a red kite over the sea');
    await prompt.trigger('keydown', { key: 'Enter', ctrlKey: true });
    await flushPromises();
    expect(api.comfy.txt2imgRequests[0]?.caption).toBe('a red kite over the sea');
    expect(useJobsStore().jobs[0]?.prompt_id).toBe('prompt-1');
  });

  it('randomises and locks the seed', async () => {
    const wrapper = await mountForm();
    const lock = wrapper.findAll('button').find((b) => b.text() === 'Lock seed')!;
    expect(lock.attributes('aria-pressed')).toBe('false');
    await lock.trigger('click');
    expect(lock.attributes('aria-pressed')).toBe('true');
    const seed = wrapper
      .findAll('input[type="number"]')
      .find((i) => i.attributes('min') === '0' && !i.attributes('max'))!;
    const before = (seed.element as HTMLInputElement).value;
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Randomise seed')!
      .trigger('click');
    expect((seed.element as HTMLInputElement).value).not.toBe(before);
  });

  it('offers the server’s templates as the workflow, chosen with the keyboard', async () => {
    await useComfyTemplatesStore().ensureLoaded();
    const wrapper = await mountForm();
    expect(optionsOf(wrapper, 'Workflow')).toEqual([
      'Built-in graph',
      'Basic SDXL',
      'Portrait (fixed model)',
    ]);
    const select = wrapper.get<HTMLSelectElement>('select:has(option[value="portrait_fixed"])');
    expect(select.element.value).toBe('');
    // A native <select>: focusable, and the arrow keys change it (the browser fires `change`).
    select.element.focus();
    expect(document.activeElement).toBe(select.element);
    select.element.selectedIndex = 2;
    await select.trigger('change');
    expect(useGenerateStore().draft.template).toBe('portrait_fixed');
    const hint = document.getElementById(select.attributes('aria-describedby') ?? '');
    expect(hint?.textContent).toContain('A tuned portrait graph; model and sampler are fixed.');

    await wrapper
      .findAll('select')
      .find((s) => s.text().includes('dpmpp_2m'))!
      .setValue('euler');
    expect(hint?.textContent).toContain('It does not take: sampler (left out).');
    await wrapper.get('textarea').setValue('a face');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(api.comfy.txt2imgRequests[0]).toMatchObject({ caption: 'a face', preset: 'portrait_fixed' });
    expect(api.comfy.txt2imgRequests[0]).not.toHaveProperty('sampler');
  });

  it('has no workflow choice when the server has no templates', async () => {
    api.comfy.presets = [];
    await useComfyTemplatesStore().ensureLoaded();
    const wrapper = await mountForm();
    expect(wrapper.findAll('label').map((l) => l.text())).not.toContain('Workflow');
  });

  it('cannot generate while ComfyUI is switched off', async () => {
    api.comfy.enabled = false;
    await useComfyHealthStore().refresh();
    const wrapper = await mountForm();
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined();
    expect(wrapper.text()).toContain('Generation is unavailable while ComfyUI is switched off.');
  });
});
