import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { appConfig } from '../config';
import { defaultDraft, qualityLevels } from '../domain/txt2img-draft';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useComfyInfoStore } from './comfy-info';
import { useComfyTemplatesStore } from './comfy-templates';
import { useGenerateStore } from './generate';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
});

describe('generate store', () => {
  it('keeps the draft in localStorage, so a reload loses nothing', async () => {
    const store = useGenerateStore();
    store.draft.caption = 'a lighthouse';
    store.draft.steps = 33;
    await nextTick();
    expect(JSON.parse(localStorage.getItem(appConfig.generateDraftStorageKey) ?? '{}')).toMatchObject({
      caption: 'a lighthouse',
      steps: 33,
    });
    setActivePinia(createPinia());
    expect(useGenerateStore().draft).toMatchObject({ caption: 'a lighthouse', steps: 33, cfg: 7 });
  });

  it('checks the bounds as you type, and "required" only after a first submit', async () => {
    const store = useGenerateStore();
    expect(store.errors).toEqual({});
    store.draft.width = 1001;
    store.draft.steps = 0;
    expect(store.errors).toEqual({
      width: 'Width must be a multiple of 8.',
      steps: 'Steps must be a whole number from 1 to 150.',
    });
    expect(await store.submit()).toBe(false);
    expect(store.errors.caption).toBe('Describe the image you want.');
    expect(api.calls.filter((c) => c.includes('txt2img'))).toEqual([]);
  });

  it('submits the draft, then shows the seed the server drew', async () => {
    const store = useGenerateStore();
    store.draft.caption = '  a heron  ';
    store.draft.negative = '';
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests[0]).toEqual({
      caption: 'a heron',
      width: 1024,
      height: 1024,
      steps: 20,
      cfg: 7,
      batch_size: 1,
    });
    expect(store.draft.seed).toBe(4242);
    expect(store.draft.isSeedLocked).toBe(false);
  });

  it('sends a locked seed, the LoRAs with weights, and only features the server has', async () => {
    await useComfyInfoStore().ensureLoaded();
    const store = useGenerateStore();
    Object.assign(store.draft, {
      caption: 'x',
      seed: 7,
      isSeedLocked: true,
      features: ['pag', 'detail_daemon'],
    });
    store.addLora('detail.safetensors');
    store.draft.loras[0]!.weight = 0.6;
    await store.submit();
    expect(api.comfy.txt2imgRequests[0]).toMatchObject({
      seed: 7,
      loras: ['detail.safetensors'],
      lora_weights: [0.6],
      pag: true,
    });
    expect(api.comfy.txt2imgRequests[0]).not.toHaveProperty('detail_daemon');
  });

  it('puts the server’s validation details on the fields', async () => {
    api.comfy.failures.push({
      path: '/api/comfy/txt2img',
      status: 400,
      code: 'validation_failed',
      details: { sampler: ['sampler must be one of euler, dpmpp_2m'] },
    });
    const store = useGenerateStore();
    store.draft.caption = 'x';
    store.draft.sampler = 'nope';
    expect(await store.submit()).toBe(false);
    expect(store.errors.sampler).toBe('sampler must be one of euler, dpmpp_2m');
    store.draft.sampler = 'euler';
    await nextTick();
    expect(store.errors.sampler).toBeUndefined();
  });

  it('loads "use these settings" with the seed locked', () => {
    const store = useGenerateStore();
    store.applySettings({
      caption: 'a fox',
      negative: 'blurry',
      seed: 99,
      width: 832,
      height: 1216,
      steps: 30,
      cfg: 5.5,
      sampler: 'euler',
      loras: ['style.safetensors'],
      lora_weights: [0.8],
      pag: true,
      unknown: 'ignored',
    });
    expect(store.draft).toMatchObject({
      caption: 'a fox',
      negative: 'blurry',
      seed: 99,
      isSeedLocked: true,
      width: 832,
      height: 1216,
      steps: 30,
      cfg: 5.5,
      sampler: 'euler',
      scheduler: '',
      loras: [{ name: 'style.safetensors', weight: 0.8 }],
      features: ['pag'],
    });
  });

  it('applies a quality level, taking its sampler only when the server offers it', async () => {
    await useComfyInfoStore().ensureLoaded();
    const store = useGenerateStore();
    const [draft, balanced, detailed] = qualityLevels;
    store.applyQuality(balanced!);
    expect(store.draft).toMatchObject({ steps: 20, cfg: 7, sampler: 'dpmpp_2m', scheduler: 'karras' });
    expect(store.activeQuality).toBe('balanced');
    store.applyQuality(detailed!);
    // dpmpp_2m_sde is not on this server: the sampler stays as it was.
    expect(store.draft).toMatchObject({ steps: 35, sampler: 'dpmpp_2m' });
    store.applyQuality(draft!);
    expect(store.draft.sampler).toBe('euler');
  });

  it('loads the server’s templates, and sends the chosen one by name', async () => {
    const templates = useComfyTemplatesStore();
    await templates.ensureLoaded();
    expect(templates.templates.map((t) => [t.name, t.title])).toEqual([
      ['sample_basic_sdxl', 'Basic SDXL'],
      ['portrait_fixed', 'Portrait (fixed model)'],
    ]);
    await templates.ensureLoaded();
    expect(api.calls.filter((c) => c === 'GET /api/comfy/presets')).toHaveLength(1);

    const store = useGenerateStore();
    store.draft.caption = 'a heron';
    expect(await store.submit()).toBe(true);
    // The built-in graph is the default: no template (`preset`) in the request.
    expect(api.comfy.txt2imgRequests[0]).not.toHaveProperty('preset');
    store.draft.template = 'sample_basic_sdxl';
    store.draft.sampler = 'euler';
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests[1]).toMatchObject({ preset: 'sample_basic_sdxl', sampler: 'euler' });
    expect(store.chosenTemplate?.title).toBe('Basic SDXL');
  });

  it('leaves out what the chosen template does not take, so the API does not refuse it', async () => {
    await useComfyTemplatesStore().ensureLoaded();
    const store = useGenerateStore();
    Object.assign(store.draft, {
      caption: 'a portrait',
      sampler: 'euler',
      scheduler: 'karras',
      checkpoint: 'sdxl.safetensors',
      template: 'portrait_fixed',
    });
    expect(store.ignoredParams).toEqual(['sampler', 'scheduler', 'checkpoint']);
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests[0]).toEqual({
      caption: 'a portrait',
      width: 1024,
      height: 1024,
      steps: 20,
      cfg: 7,
      batch_size: 1,
      preset: 'portrait_fixed',
    });
    // Back on the built-in graph the same draft sends everything again.
    store.draft.template = '';
    expect(store.ignoredParams).toEqual([]);
    await store.submit();
    expect(api.comfy.txt2imgRequests[1]).toMatchObject({ sampler: 'euler', checkpoint: 'sdxl.safetensors' });
  });

  it('keeps the template in the draft and puts an unknown one’s error on the field', async () => {
    const store = useGenerateStore();
    store.draft.template = 'gone';
    await nextTick();
    expect(JSON.parse(localStorage.getItem(appConfig.generateDraftStorageKey) ?? '{}')).toMatchObject({
      template: 'gone',
    });
    store.draft.caption = 'x';
    expect(await store.submit()).toBe(false);
    expect(store.errors.template).toBe('unknown preset "gone"');
    store.reset();
    expect(store.draft.template).toBe('');
  });

  it('keeps the template of a draft saved when it was stored as `preset`', () => {
    localStorage.setItem(
      appConfig.generateDraftStorageKey,
      JSON.stringify({ ...defaultDraft(), template: undefined, preset: 'portrait_fixed', caption: 'kept' }),
    );
    const store = useGenerateStore();
    expect(store.draft).toMatchObject({ template: 'portrait_fixed', caption: 'kept' });
    expect(store.draft).not.toHaveProperty('preset');
  });

  it('restores the template with "use these settings", and the built-in graph when there was none', () => {
    const store = useGenerateStore();
    store.applySettings({ caption: 'a fox', preset: 'portrait_fixed' });
    expect(store.draft.template).toBe('portrait_fixed');
    store.applySettings({ caption: 'a fox' });
    expect(store.draft.template).toBe('');
  });

  it('randomises and swaps', () => {
    const store = useGenerateStore();
    store.applySize({ width: 832, height: 1216 });
    store.swapSize();
    expect([store.draft.width, store.draft.height]).toEqual([1216, 832]);
    const seeds = new Set(Array.from({ length: 5 }, () => (store.randomizeSeed(), store.draft.seed)));
    expect(seeds.size).toBeGreaterThan(1);
  });
});
