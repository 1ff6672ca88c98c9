import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { appConfig } from '../config';
import { createFakeApi, type FakeApi } from '../test/fake-api';
import { useComfyHealthStore } from './comfy-health';

let api: FakeApi;
const healthCalls = () => api.calls.filter((c) => c === 'GET /api/comfy/health').length;

beforeEach(() => {
  vi.useFakeTimers();
  api = createFakeApi();
  api.signedIn = { id: 1, username: 'admin', role: 'admin' };
  vi.stubGlobal('fetch', api.fetch);
  setActivePinia(createPinia());
});

afterEach(() => {
  useComfyHealthStore().stop();
  vi.useRealTimers();
});

describe('comfy health store', () => {
  it('reports switched off, up and down from the watchdog', async () => {
    const store = useComfyHealthStore();
    api.comfy.enabled = false;
    await store.refresh();
    expect(store.availability).toBe('disabled');
    expect(store.isDisabled).toBe(true);
    api.comfy.enabled = true;
    await store.refresh();
    expect(store.availability).toBe('up');
    api.comfy.state = 'down';
    await store.refresh();
    expect(store.isUnreachable).toBe(true);
  });

  it('reads the state a plain user gets, without the admin-only details', async () => {
    api.signedIn = { id: 2, username: 'ada', role: 'user' };
    const store = useComfyHealthStore();
    await store.refresh();
    expect(store.health?.info).toBeUndefined();
    expect(store.info).toBeNull();
    expect(store.availability).toBe('up');
    api.comfy.state = 'degraded';
    await store.refresh();
    expect(store.availability).toBe('degraded');
    api.comfy.state = 'down';
    await store.refresh();
    expect(store.isUnreachable).toBe(true);
  });

  it('polls, faster while ComfyUI is down', async () => {
    const store = useComfyHealthStore();
    store.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(healthCalls()).toBe(1);
    await vi.advanceTimersByTimeAsync(appConfig.comfyHealthPollMs.up);
    expect(healthCalls()).toBe(2);
    api.comfy.state = 'down';
    await vi.advanceTimersByTimeAsync(appConfig.comfyHealthPollMs.up);
    expect(healthCalls()).toBe(3);
    await vi.advanceTimersByTimeAsync(appConfig.comfyHealthPollMs.down);
    expect(healthCalls()).toBe(4);
    store.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(healthCalls()).toBe(4);
  });

  it('shows ComfyUI down as soon as a call meets it unreachable, until a good poll', async () => {
    const store = useComfyHealthStore();
    await store.refresh();
    store.noteFailure(new ApiError(502, 'comfy.unreachable', 'down'));
    expect(store.availability).toBe('down');
    store.noteFailure(new ApiError(400, 'validation_failed', 'bad'));
    expect(store.availability).toBe('down');
    await store.refresh();
    expect(store.availability).toBe('up');
  });
});
