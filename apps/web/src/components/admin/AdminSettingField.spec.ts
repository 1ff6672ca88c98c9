import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import AdminSettingField from './AdminSettingField.vue';
import { comfySettingGroups, type SettingDefinition } from './setting-definitions';

const definitionOf = (key: string): SettingDefinition => {
  const found = comfySettingGroups.flatMap((group) => group.fields).find((field) => field.key === key);
  if (!found) throw new Error(`no setting ${key}`);
  return found;
};

function mountField(key: string, value: unknown) {
  return mount(AdminSettingField, {
    props: { definition: definitionOf(key), view: { value, source: 'default' }, isSaving: false },
    attachTo: document.body,
  });
}

describe('AdminSettingField: the generation permissions (issue 10)', () => {
  it('offers the role for raw graphs as a choice of the three roles', async () => {
    const wrapper = mountField('comfy_raw_graph_min_role', 'curator');
    const select = wrapper.get('select');
    expect(select.findAll('option').map((option) => option.element.value)).toEqual([
      'user',
      'curator',
      'admin',
    ]);
    expect((select.element as HTMLSelectElement).value).toBe('curator');
    await select.setValue('admin');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')).toEqual([['admin']]);
    wrapper.unmount();
  });

  it('edits the node allow-list as names separated by commas and saves that text', async () => {
    const wrapper = mountField('comfy_node_allow_list', ['KSampler', 'SaveImage']);
    const input = wrapper.get('input');
    expect((input.element as HTMLInputElement).value).toBe('KSampler, SaveImage');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')).toBeUndefined();
    await input.setValue('KSampler, SaveImage, LoadImage');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')).toEqual([['KSampler, SaveImage, LoadImage']]);
    wrapper.unmount();
  });
});
