import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { appConfig } from '../config';
import { noticeText, useJobNoticesStore, type EndedJob } from './job-notices';

/** A stand-in for the browser's Notification: records what was shown and what permission was asked. */
class FakeNotification {
  static permission: NotificationPermission = 'default';
  static answer: NotificationPermission = 'granted';
  static shown: { title: string; body?: string; tag?: string }[] = [];
  static asked = 0;
  static requestPermission = vi.fn(async () => {
    FakeNotification.asked += 1;
    FakeNotification.permission = FakeNotification.answer;
    return FakeNotification.permission;
  });
  onclick: (() => void) | null = null;
  constructor(title: string, options: NotificationOptions = {}) {
    FakeNotification.shown.push({ title, body: options.body, tag: options.tag });
  }
  close(): void {}
}

let visibility: DocumentVisibilityState = 'visible';
function setVisibility(state: DocumentVisibilityState): void {
  visibility = state;
  document.dispatchEvent(new Event('visibilitychange'));
}

const done = (status: EndedJob['status'], images = 1): EndedJob => ({
  prompt_id: `p-${status}`,
  status,
  images: Array.from({ length: images }, (_, i) => ({ filename: `${i}.png`, subfolder: '', type: 'output' })),
  error: status === 'failed' ? { message: 'Out of memory', node_id: null } : null,
});

beforeEach(() => {
  localStorage.clear();
  FakeNotification.permission = 'default';
  FakeNotification.answer = 'granted';
  FakeNotification.shown = [];
  FakeNotification.asked = 0;
  vi.stubGlobal('Notification', FakeNotification);
  visibility = 'visible';
  vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => visibility);
  document.title = 'Generate · Atelier';
  setActivePinia(createPinia());
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('job notices', () => {
  it('counts jobs that end while the tab is hidden in the title, and forgets them once it is seen', async () => {
    const notices = useJobNoticesStore();
    notices.jobEnded(done('succeeded'));
    expect(notices.unseen).toBe(0);

    setVisibility('hidden');
    notices.jobEnded(done('succeeded'));
    notices.jobEnded(done('failed'));
    await nextTick();
    expect(notices.unseen).toBe(2);
    expect(document.title).toBe('(2) Generate · Atelier');

    setVisibility('visible');
    await nextTick();
    expect(notices.unseen).toBe(0);
    expect(document.title).toBe('Generate · Atelier');
    // Not opted in: no system notification, and the browser was never asked.
    expect(FakeNotification.shown).toEqual([]);
    expect(FakeNotification.asked).toBe(0);
  });

  it('asks for permission only when enabled, remembers the opt-in, and notifies only while hidden', async () => {
    const notices = useJobNoticesStore();
    expect(notices.permission).toBe('default');
    expect(await notices.enable()).toBe(true);
    expect(FakeNotification.asked).toBe(1);
    expect(localStorage.getItem(appConfig.jobNoticesStorageKey)).toBe('true');

    notices.jobEnded(done('succeeded', 3));
    expect(FakeNotification.shown).toEqual([]);
    setVisibility('hidden');
    notices.jobEnded(done('succeeded', 3));
    notices.jobEnded(done('failed'));
    expect(FakeNotification.shown).toEqual([
      { title: 'Your 3 images are ready', body: undefined, tag: 'p-succeeded' },
      { title: 'Generation failed', body: 'Out of memory', tag: 'p-failed' },
    ]);

    notices.disable();
    notices.jobEnded(done('interrupted'));
    expect(FakeNotification.shown).toHaveLength(2);
    expect(notices.unseen).toBe(3);

    // A new page load reads the opt-in back without asking again.
    setActivePinia(createPinia());
    await notices.enable();
    setActivePinia(createPinia());
    expect(useJobNoticesStore().optedIn).toBe(true);
    expect(FakeNotification.asked).toBe(1);
  });

  it('stays off when the browser refuses, or has no notifications at all', async () => {
    FakeNotification.answer = 'denied';
    const notices = useJobNoticesStore();
    expect(await notices.enable()).toBe(false);
    expect(notices.permission).toBe('denied');
    expect(notices.optedIn).toBe(false);
    setVisibility('hidden');
    notices.jobEnded(done('succeeded'));
    expect(FakeNotification.shown).toEqual([]);
    expect(notices.unseen).toBe(1);

    vi.unstubAllGlobals();
    vi.stubGlobal('Notification', undefined);
    setActivePinia(createPinia());
    const without = useJobNoticesStore();
    expect(without.permission).toBe('unsupported');
    expect(await without.enable()).toBe(false);
  });

  it('words each ending like the toast does', () => {
    expect(noticeText(done('succeeded'))).toEqual({ title: 'Your image is ready' });
    expect(noticeText(done('interrupted'))).toEqual({ title: 'Generation cancelled' });
    expect(noticeText(done('lost'))).toEqual({ title: 'The job was lost' });
  });
});
