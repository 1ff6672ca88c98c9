import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { defineComponent, ref } from 'vue';
import AppSwitch from './AppSwitch.vue';

// A parent holding the v-model, so the test sees what a real page would.
function mountSwitch(initial: boolean, props: Record<string, unknown> = {}) {
  const value = ref(initial);
  const Host = defineComponent({
    components: { AppSwitch },
    setup: () => ({ value, props }),
    template:
      '<AppSwitch v-model="value" label="Enable ComfyUI" description="Turns generation on" v-bind="props" />',
  });
  return { wrapper: mount(Host, { attachTo: document.body }), value };
}

describe('AppSwitch', () => {
  it('is a labelled switch that reports its state', () => {
    const { wrapper } = mountSwitch(false);
    const control = wrapper.get('[role="switch"]');
    expect(control.attributes('aria-checked')).toBe('false');
    const label = wrapper.get('label');
    expect(label.attributes('for')).toBe(control.attributes('id'));
    expect(label.text()).toBe('Enable ComfyUI');
    const description = wrapper.get(`#${control.attributes('aria-describedby')}`);
    expect(description.text()).toBe('Turns generation on');
    wrapper.unmount();
  });

  it('toggles with Space and Enter, and with a click', async () => {
    const { wrapper, value } = mountSwitch(false);
    const control = wrapper.get('[role="switch"]');
    await control.trigger('keydown', { key: ' ' });
    expect(value.value).toBe(true);
    expect(control.attributes('aria-checked')).toBe('true');
    await control.trigger('keydown', { key: 'Enter' });
    expect(value.value).toBe(false);
    await control.trigger('click');
    expect(value.value).toBe(true);
    wrapper.unmount();
  });

  it('ignores other keys', async () => {
    const { wrapper, value } = mountSwitch(false);
    await wrapper.get('[role="switch"]').trigger('keydown', { key: 'a' });
    expect(value.value).toBe(false);
    wrapper.unmount();
  });

  it('does not toggle while busy or disabled', async () => {
    const busy = mountSwitch(false, { isBusy: true });
    await busy.wrapper.get('[role="switch"]').trigger('keydown', { key: ' ' });
    expect(busy.value.value).toBe(false);
    expect(busy.wrapper.get('[role="switch"]').attributes('aria-busy')).toBe('true');
    busy.wrapper.unmount();

    const disabled = mountSwitch(true, { disabled: true });
    await disabled.wrapper.get('[role="switch"]').trigger('keydown', { key: 'Enter' });
    expect(disabled.value.value).toBe(true);
    disabled.wrapper.unmount();
  });
});
