import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import AppDialog from './AppDialog.vue';

const mounted: { unmount(): void }[] = [];
afterEach(() => {
  // Unmounting closes any dialog still open, so no test leaves the inert count raised.
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  document.body.innerHTML = '';
});

/** The app as main.ts mounts it: a page in #app, with a button that opens a dialog (on <body>). */
function mountApp(opener = ref(false), second = ref(false)) {
  const root = document.createElement('div');
  root.id = 'app';
  document.body.append(root);
  const App = defineComponent(() => () => [
    h('button', { id: 'open' }, 'Open'),
    opener.value
      ? h(
          AppDialog,
          { title: 'First', onClose: () => (opener.value = false) },
          { default: () => h('button', { 'data-autofocus': '' }, 'Inside') },
        )
      : null,
    second.value ? h(AppDialog, { title: 'Second', onClose: () => (second.value = false) }) : null,
  ]);
  const wrapper = mount(App, { attachTo: root });
  mounted.push(wrapper);
  return { wrapper, root: document.getElementById('app')!, opener, second };
}

describe('AppDialog', () => {
  it('is a labelled modal on <body>, outside the app root, focused on its autofocus element', async () => {
    const { root, opener } = mountApp();
    opener.value = true;
    await nextTick();
    const dialog = document.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent).toBe('First');
    expect(root.contains(dialog)).toBe(false);
    expect(document.activeElement?.textContent).toBe('Inside');
  });

  it('makes the app root inert while open, and restores it on close (Esc)', async () => {
    const { root, opener } = mountApp();
    const before = document.getElementById('open')!;
    before.focus();
    expect(root.hasAttribute('inert')).toBe(false);
    opener.value = true;
    await nextTick();
    expect(root.hasAttribute('inert')).toBe(true);
    document
      .querySelector('[role="dialog"] button')!
      .dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await nextTick();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(root.hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(before);
  });

  it('keeps the root inert until the last of two open dialogs closes', async () => {
    const { root, opener, second } = mountApp();
    opener.value = true;
    second.value = true;
    await nextTick();
    expect(document.querySelectorAll('[role="dialog"]')).toHaveLength(2);
    opener.value = false;
    await nextTick();
    expect(root.hasAttribute('inert')).toBe(true);
    second.value = false;
    await nextTick();
    expect(root.hasAttribute('inert')).toBe(false);
  });

  it('leaves a root that was inert already inert', async () => {
    const { root, opener } = mountApp();
    root.setAttribute('inert', '');
    opener.value = true;
    await nextTick();
    opener.value = false;
    await nextTick();
    expect(root.hasAttribute('inert')).toBe(true);
  });
});
