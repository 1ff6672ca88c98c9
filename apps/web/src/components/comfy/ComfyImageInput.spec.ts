import type { ComfyUploadResponse } from '@atelier/contract';
import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../../test/fake-api';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import { installFakeXhr } from '../../test/fake-xhr';
import ComfyImageInput from './ComfyImageInput.vue';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.user);
});

afterEach(() => {
  document.body.innerHTML = '';
});

const png = (name = 'cat.png') => new File([new Uint8Array(800)], name, { type: 'image/png' });

function mountInput(
  props: Partial<{
    modelValue: ComfyUploadResponse | null;
    pasteAnywhere: boolean;
    error: string;
    kind: 'mask';
    ephemeral: boolean;
  }> = {},
) {
  return mount(ComfyImageInput, {
    attachTo: document.body,
    props: { modelValue: null, label: 'Input image', ...props },
    global: { stubs: { RouterLink: RouterLinkStub } },
  });
}

function transfer(files: File[], text = ''): DataTransfer {
  return {
    files,
    items: files.map((file) => ({ kind: 'file', type: file.type, getAsFile: () => file })),
    types: files.length ? ['Files'] : ['text/plain'],
    getData: (type: string) => (type === 'text/plain' ? text : ''),
  } as unknown as DataTransfer;
}

function dispatchWith(
  target: EventTarget,
  type: string,
  key: 'dataTransfer' | 'clipboardData',
  data: DataTransfer,
) {
  const event = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(event, key, { value: data });
  target.dispatchEvent(event);
  return event;
}

type Exposed = { setFromBlob(blob: Blob): Promise<ComfyUploadResponse | null> };
const setFromBlob = (wrapper: ReturnType<typeof mountInput>, blob: Blob) =>
  (wrapper.vm as unknown as Exposed).setFromBlob(blob);

const emitted = (wrapper: ReturnType<typeof mountInput>) =>
  (wrapper.emitted('update:modelValue') ?? []).map(([value]) => value as ComfyUploadResponse | null);

describe('ComfyImageInput', () => {
  it('uploads a chosen file, labelled by its label, and emits the upload', async () => {
    installFakeXhr(api.fetch);
    const wrapper = mountInput();
    const file = wrapper.get<HTMLInputElement>('input[type=file]');
    expect(wrapper.get(`label[for="${file.attributes('id')}"]`).text()).toBe('Input image');
    expect(file.attributes('accept')).toBe('image/png,image/jpeg,image/webp');
    Object.defineProperty(file.element, 'files', { value: [png()], configurable: true });
    await file.trigger('change');
    await flushPromises();
    expect(emitted(wrapper)).toEqual([api.comfy.inputUploads[0]]);
    expect(api.comfy.inputUploads[0]?.kind).toBe('image');
  });

  it('shows the progress while the bytes go out, then the thumbnail from the server and the size', async () => {
    const xhr = installFakeXhr(api.fetch, 'manual');
    const wrapper = mountInput();
    const done = setFromBlob(wrapper, png());
    await flushPromises();
    expect(wrapper.get('[role=progressbar]').attributes('aria-valuenow')).toBe('0');
    // The bytes show at once, before the server has them.
    expect(wrapper.get('img').attributes('src')).toMatch(/^blob:/);
    xhr.requests[0]?.progress(200, 800);
    await flushPromises();
    const bar = wrapper.get('[role=progressbar]');
    expect(bar.attributes('aria-valuenow')).toBe('25');
    expect(bar.attributes('aria-label')).toBe('Upload progress');
    await xhr.requests[0]?.finish();
    const upload = (await done)!;
    expect(emitted(wrapper)).toEqual([upload]);
    await wrapper.setProps({ modelValue: upload });
    expect(wrapper.find('[role=progressbar]').exists()).toBe(false);
    expect(wrapper.get('img').attributes('src')).toBe(
      `/api/comfy/view?filename=${upload.name}&subfolder=atelier&type=input`,
    );
    expect(wrapper.text()).toContain('640 × 480 · PNG');
    await wrapper
      .findAll('button')
      .find((b) => b.text().startsWith('Remove'))!
      .trigger('click');
    expect(emitted(wrapper).at(-1)).toBeNull();
  });

  it('takes a dropped image file and passes a mask’s kind and ephemeral on', async () => {
    installFakeXhr(api.fetch);
    const wrapper = mountInput({ kind: 'mask', ephemeral: true });
    const zone = wrapper.get('[data-testid=image-input-zone]');
    const over = dispatchWith(zone.element, 'dragover', 'dataTransfer', transfer([png()]));
    expect(over.defaultPrevented).toBe(true);
    await flushPromises();
    expect(wrapper.classes()).toContain('image-input--dragging');
    dispatchWith(zone.element, 'drop', 'dataTransfer', transfer([png('drop.png')]));
    await flushPromises();
    expect(emitted(wrapper)).toHaveLength(1);
    expect(api.comfy.inputUploads[0]).toMatchObject({ kind: 'mask', ephemeral: true });
    expect(wrapper.classes()).not.toContain('image-input--dragging');
  });

  it('takes a pasted image on its own zone, or anywhere with pasteAnywhere, but leaves text pastes to fields', async () => {
    installFakeXhr(api.fetch);
    const wrapper = mountInput();
    const zone = wrapper.get('[data-testid=image-input-zone]');
    dispatchWith(document.body, 'paste', 'clipboardData', transfer([png()]));
    await flushPromises();
    expect(emitted(wrapper)).toHaveLength(0);
    const pasted = dispatchWith(zone.element, 'paste', 'clipboardData', transfer([png()]));
    await flushPromises();
    expect(pasted.defaultPrevented).toBe(true);
    expect(emitted(wrapper)).toHaveLength(1);

    const anywhere = mountInput({ pasteAnywhere: true });
    const field = document.createElement('textarea');
    document.body.append(field);
    dispatchWith(field, 'paste', 'clipboardData', transfer([png()], 'a caption'));
    await flushPromises();
    expect(emitted(anywhere)).toHaveLength(0);
    dispatchWith(document.body, 'paste', 'clipboardData', transfer([png()]));
    await flushPromises();
    expect(emitted(anywhere)).toHaveLength(1);
  });

  it('says why a file is refused: its type before sending, the server’s words after', async () => {
    installFakeXhr(api.fetch);
    const wrapper = mountInput({ error: 'image: not yours' });
    expect(wrapper.get('[role=alert]').text()).toBe('image: not yours');
    const zone = wrapper.get('[data-testid=image-input-zone]').element;
    dispatchWith(zone, 'drop', 'dataTransfer', transfer([new File(['x'], 'a.txt', { type: 'text/plain' })]));
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toBe('Drop a PNG, JPEG or WebP image.');
    dispatchWith(zone, 'drop', 'dataTransfer', transfer([new File(['x'], 'a.gif', { type: 'image/gif' })]));
    await flushPromises();
    expect(wrapper.get('[role=alert]').text()).toBe('Choose a PNG, JPEG or WebP image.');
    expect(api.calls).toEqual([]);

    api.comfy.failures.push({
      path: '/api/comfy/upload',
      status: 400,
      code: 'validation_failed',
      details: { image: ['image is truncated'] },
    });
    expect(await setFromBlob(wrapper, png())).toBeNull();
    expect(wrapper.get('[role=alert]').text()).toBe('image is truncated');
    expect(emitted(wrapper)).toEqual([]);
  });
});
