import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appConfig } from '../config';
import { useNotificationsStore } from './notifications';

describe('notifications store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.useRealTimers());

  it('shows a toast and dismisses it after its kind’s timeout', () => {
    const store = useNotificationsStore();
    store.success({ title: 'Saved' });
    expect(store.toasts).toMatchObject([{ kind: 'success', title: 'Saved' }]);
    vi.advanceTimersByTime(appConfig.toastTimeoutMs.success - 1);
    expect(store.toasts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(store.toasts).toHaveLength(0);
  });

  it('keeps errors longer than successes', () => {
    const store = useNotificationsStore();
    store.error({ title: 'Broken' });
    vi.advanceTimersByTime(appConfig.toastTimeoutMs.success);
    expect(store.toasts).toHaveLength(1);
  });

  it('pauses the countdown while hovered or focused and resumes with the time that was left', () => {
    const store = useNotificationsStore();
    const id = store.info({ title: 'Hello', timeoutMs: 1000 });
    vi.advanceTimersByTime(600);
    store.pause(id);
    vi.advanceTimersByTime(10_000);
    expect(store.toasts).toHaveLength(1);
    expect(store.toasts[0]?.isPaused).toBe(true);
    store.resume(id);
    vi.advanceTimersByTime(399);
    expect(store.toasts).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(store.toasts).toHaveLength(0);
  });

  it('dismisses on demand and cancels the timer', () => {
    const store = useNotificationsStore();
    const id = store.warning({ title: 'Careful' });
    store.dismiss(id);
    expect(store.toasts).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a toast with timeout 0 until it is dismissed', () => {
    const store = useNotificationsStore();
    store.error({ title: 'Sticky', timeoutMs: 0 });
    vi.advanceTimersByTime(60_000);
    expect(store.toasts).toHaveLength(1);
  });

  it('caps the stack by dropping the oldest toasts', () => {
    const store = useNotificationsStore();
    for (let i = 1; i <= appConfig.maxToasts + 2; i++) store.info({ title: `n${i}` });
    expect(store.toasts.map((t) => t.title)).toEqual(
      Array.from({ length: appConfig.maxToasts }, (_, i) => `n${i + 3}`),
    );
    expect(vi.getTimerCount()).toBe(appConfig.maxToasts);
  });
});
