import type { ComfyWorkflowTemplate } from '@atelier/contract';
import { mount, RouterLinkStub } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComfyObjectInfo } from '../../types/comfy';
import WorkflowsRunForm from './WorkflowsRunForm.vue';

const objectInfo: ComfyObjectInfo = {
  CheckpointLoaderSimple: { input: { required: { ckpt_name: [['sdxl.safetensors', 'sd15.ckpt'], {}] } } },
  KSampler: { input: { required: { sampler_name: [['euler', 'dpmpp_2m'], {}] } } },
  LoadImage: { input: { required: { image: [[], { image_upload: true }] } } },
};

function template(fields: Partial<ComfyWorkflowTemplate> = {}): ComfyWorkflowTemplate {
  return {
    id: 'workflow/portrait',
    name: 'portrait',
    version: '0123456789ab',
    origin: 'saved',
    title: 'Portrait',
    description: '',
    params: {
      type: 'object',
      additionalProperties: false,
      properties: {
        steps: { type: 'integer', minimum: 1, maximum: 50, default: 20, description: 'Sampling steps' },
        seed: { type: 'integer', minimum: 0, maximum: 1000, 'x-random': true },
        checkpoint: { type: 'string', default: 'sdxl.safetensors' },
        sampler: { type: 'string', default: 'euler' },
        style: { type: 'string', enum: ['photo', 'ink'], default: 'photo' },
      },
    },
    targets: {
      steps: [{ node: '3', class_type: 'KSampler', input: 'steps' }],
      seed: [{ node: '3', class_type: 'KSampler', input: 'seed' }],
      checkpoint: [{ node: '4', class_type: 'CheckpointLoaderSimple', input: 'ckpt_name' }],
      sampler: [{ node: '3', class_type: 'KSampler', input: 'sampler_name' }],
      style: [{ node: '7', class_type: 'StyleNode', input: 'style' }],
    },
    broken: false,
    problems: [],
    ...fields,
  };
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  document.body.innerHTML = '';
});

const mountForm = (props: Partial<InstanceType<typeof WorkflowsRunForm>['$props']> = {}) =>
  mount(WorkflowsRunForm, {
    props: { template: template(), objectInfo, ...props },
    attachTo: document.body,
    global: { stubs: { RouterLink: RouterLinkStub } },
  });

const control = (wrapper: ReturnType<typeof mountForm>, name: string) =>
  wrapper.get(`[data-param="${name}"]`);

describe('WorkflowsRunForm', () => {
  it('draws the contract: bounded numbers, selects filled from object_info and the enum, labelled hints', () => {
    const wrapper = mountForm();
    const steps = control(wrapper, 'steps');
    expect(steps.attributes()).toMatchObject({ type: 'number', min: '1', max: '50', step: '1' });
    expect((steps.element as HTMLInputElement).value).toBe('20');
    const hint = document.getElementById(steps.attributes('aria-describedby') ?? '');
    expect(hint?.textContent).toBe('1–50 · Sampling steps');
    expect(wrapper.get(`label[for="${steps.attributes('id')}"]`).text()).toBe('Steps');
    expect(control(wrapper, 'seed').attributes('placeholder')).toBe('Random');
    const options = (name: string) =>
      control(wrapper, name)
        .findAll('option')
        .map((o) => o.text());
    expect(options('checkpoint')).toEqual(['sdxl.safetensors', 'sd15.ckpt']);
    expect(options('sampler')).toEqual(['euler', 'dpmpp_2m']);
    expect(options('style')).toEqual(['photo', 'ink']);
  });

  it('emits the params to run: numbers as numbers, choices as picked, an empty seed left to the server', async () => {
    const wrapper = mountForm();
    await control(wrapper, 'steps').setValue('35');
    await control(wrapper, 'checkpoint').setValue('sd15.ckpt');
    await control(wrapper, 'style').setValue('ink');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('run')).toEqual([
      [{ steps: 35, checkpoint: 'sd15.ckpt', sampler: 'euler', style: 'ink' }],
    ]);
  });

  it('refuses out-of-bounds values on their field and sends nothing', async () => {
    const wrapper = mountForm();
    await control(wrapper, 'steps').setValue('80');
    await control(wrapper, 'seed').setValue('1.5');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('run')).toBeUndefined();
    expect(control(wrapper, 'steps').attributes('aria-invalid')).toBe('true');
    expect(wrapper.text()).toContain('At most 50');
    expect(wrapper.text()).toContain('Enter a whole number');
  });

  it('shows the server’s messages on their fields, and will not run a broken template', async () => {
    const wrapper = mountForm({ serverErrors: { steps: ['must be <= 50'] } });
    expect(wrapper.text()).toContain('must be <= 50');
    await wrapper.setProps({ template: template({ broken: true }) });
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined();
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('run')).toBeUndefined();
    expect(wrapper.text()).toContain('cannot run');
  });

  it("starts knobs without a contract default at the template's values once its prompt is known", async () => {
    const bare = template({
      params: { type: 'object', properties: { checkpoint: { type: 'string' }, steps: { type: 'integer' } } },
    });
    const wrapper = mountForm({ template: bare });
    const checkpoint = control(wrapper, 'checkpoint');
    expect(checkpoint.findAll('option').map((o) => o.text())[0]).toBe("Template's value");
    expect(control(wrapper, 'steps').attributes('placeholder')).toBe("Template's value");
    await control(wrapper, 'steps').setValue('7');
    await wrapper.setProps({
      prompt: {
        '3': { class_type: 'KSampler', inputs: { steps: 30 } },
        '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd15.ckpt' } },
      },
    });
    expect((checkpoint.element as HTMLSelectElement).value).toBe('sd15.ckpt');
    // What was typed stays.
    expect((control(wrapper, 'steps').element as HTMLInputElement).value).toBe('7');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('run')).toEqual([[{ checkpoint: 'sd15.ckpt', steps: 7 }]]);
  });

  it('offers an image knob through the upload widget, and resets to the next template’s defaults', async () => {
    const withImage = template({
      id: 'workflow/img',
      params: {
        type: 'object',
        properties: { image: { type: 'string' }, steps: { type: 'integer', default: 4 } },
      },
      targets: {
        image: [{ node: '1', class_type: 'LoadImage', input: 'image' }],
        steps: [{ node: '3', class_type: 'KSampler', input: 'steps' }],
      },
    });
    const wrapper = mountForm();
    await control(wrapper, 'steps').setValue('9');
    await wrapper.setProps({ template: withImage });
    expect((control(wrapper, 'steps').element as HTMLInputElement).value).toBe('4');
    expect(wrapper.find('input[type="file"]').exists()).toBe(true);
    expect(wrapper.text()).toContain('Image');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('run')).toEqual([[{ steps: 4 }]]);
  });
});
