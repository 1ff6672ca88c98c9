import type {
  ComfyImageRef,
  ComfyPresetSummary,
  ComfyUploadResponse,
  ComfyWatchState,
  ErrorCode,
  GalleryImageDetail,
  ImageParams,
  JobSummary,
  ManagedComfyStatus,
  Txt2ImgParams,
} from '@atelier/contract';
import type { AuthUser, ObjectInfo } from '@atelier/contract';
import { txt2imgFeatures } from '@atelier/contract';
import { routeGallerySearch } from './fake-gallery-search';
import { fail, reply } from './fake-reply';

/** A failure the fake answers instead of the route, once, for the first request that matches. */
export interface FakeFailure {
  method?: string;
  path: string | RegExp;
  status: number;
  code?: ErrorCode;
  message?: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/** The ComfyUI and gallery half of the fake API (see fake-api.ts). */
export interface FakeComfy {
  enabled: boolean;
  state: ComfyWatchState;
  objectInfo: ObjectInfo;
  jobs: JobSummary[];
  gallery: GalleryImageDetail[];
  /** Lineage: child id → parent id (GET /api/gallery/images/:id/lineage). */
  parents?: Map<number, number>;
  failures: FakeFailure[];
  txt2imgRequests: Txt2ImgParams[];
  queued: Record<string, unknown>[];
  /** POST /api/comfy/workflows/:name/run bodies, with the template's name. */
  workflowRuns: { name: string; params?: Record<string, unknown>; version?: string }[];
  uploads: FormData[];
  /** POST /api/comfy/upload's answers, in order (the input images and masks sent). */
  inputUploads: ComfyUploadResponse[];
  cancelled: string[];
  jobsPageSize: number;
  /** GET /api/comfy/presets; txt2img refuses a value its preset does not take, like the API. */
  presets: ComfyPresetSummary[];
  /** Managed mode's process (null: ComfyUI runs elsewhere); POST …/managed/restart counts in `restarts`. */
  managed: ManagedComfyStatus | null;
}

export const samplePng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A node catalogue shaped like ComfyUI's /object_info, with a few models and the PAG node only. */
export function sampleObjectInfo(): ObjectInfo {
  return {
    CheckpointLoaderSimple: { input: { required: { ckpt_name: [['sdxl.safetensors', 'sd15.ckpt'], {}] } } },
    KSampler: {
      input: {
        required: {
          sampler_name: [['euler', 'dpmpp_2m'], {}],
          scheduler: ['COMBO', { options: ['normal', 'karras'] }],
        },
      },
    },
    LoraLoader: { input: { required: { lora_name: [['detail.safetensors', 'style.safetensors'], {}] } } },
    PerturbedAttentionGuidance: { input: { required: {} } },
  };
}

export function createFakeComfy(): FakeComfy {
  return {
    enabled: true,
    state: 'up',
    objectInfo: sampleObjectInfo(),
    jobs: [],
    gallery: [],
    failures: [],
    txt2imgRequests: [],
    queued: [],
    workflowRuns: [],
    uploads: [],
    inputUploads: [],
    cancelled: [],
    jobsPageSize: 20,
    presets: samplePresets(),
    managed: null,
  };
}

/** Two presets: one that takes the whole form, one with a short contract (no sampler/scheduler/checkpoint). */
export function samplePresets(): ComfyPresetSummary[] {
  const all = ['caption', 'negative', 'width', 'height', 'batch_size', 'steps', 'cfg', 'seed'];
  const preset = (name: string, title: string, description: string, params: string[]) => ({
    name,
    title,
    description,
    params,
    schema: { type: 'object', properties: Object.fromEntries(params.map((p) => [p, {}])) },
  });
  return [
    preset('sample_basic_sdxl', 'Basic SDXL', 'SDXL base with dpmpp_2m/karras.', [
      ...all,
      'sampler',
      'scheduler',
      'checkpoint',
    ]),
    preset(
      'portrait_fixed',
      'Portrait (fixed model)',
      'A tuned portrait graph; model and sampler are fixed.',
      all,
    ),
  ];
}

/** The searchable parameters of a fake image: one checkpoint, seed = id. */
export function searchParams(id: number): ImageParams {
  return {
    positive: `image ${id}`,
    negative: null,
    checkpoint: 'sdxl.safetensors',
    loras: [],
    sampler: 'euler',
    scheduler: 'normal',
    steps: 20,
    cfg: 7,
    seed: id,
    denoise: 1,
    width: 1024,
    height: 768,
    template_id: null,
    template_version: null,
    backend: null,
    backend_version: null,
    source: 'params',
  };
}

export function galleryImage(id: number, username = 'cora'): GalleryImageDetail {
  const url = `/api/gallery/images/${id}`;
  return {
    id,
    sha256: `sha-${id}`,
    mime: 'image/png',
    bytes: 1000 + id,
    width: 1024,
    height: 768,
    prompt_id: `p-${id}`,
    created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
    created_by: { id: 2, username },
    file_url: `${url}/file`,
    thumbnail_url: `${url}/thumbnail`,
    params: searchParams(id),
    rating: 0,
    favorite: false,
    tags: [],
    status: 'private',
    note: null,
    review: [],
    review_note: null,
    provenance: {
      prompt_id: `p-${id}`,
      params: { caption: `image ${id}`, seed: id, steps: 20, cfg: 7, width: 1024, height: 768 },
      workflow: null,
      metadata: {},
      source: null,
    },
  };
}

/** Answers /api/comfy/* and /api/gallery/* for a signed-in user; null for any other path. */
export function routeComfy(
  comfy: FakeComfy,
  user: AuthUser,
  method: string,
  url: URL,
  body: unknown,
): Response | null {
  const path = url.pathname;
  if (!path.startsWith('/api/comfy/') && !path.startsWith('/api/gallery/')) return null;
  const failure = comfy.failures.find(
    (f) =>
      (f.method ?? method) === method && (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
  );
  if (failure) {
    comfy.failures.splice(comfy.failures.indexOf(failure), 1);
    const code = failure.code ?? 'comfy.unreachable';
    return reply(
      failure.status,
      { code, message: failure.message ?? `Failed with ${code}.`, details: failure.details },
      failure.headers,
    );
  }
  const isCurator = user.role !== 'user';
  if (method === 'GET' && path === '/api/comfy/health') {
    const comfyInfo = {
      state: comfy.state,
      version: '0.3.7',
      devices: [],
      queue_remaining: 0,
      last_error: null,
    };
    // As the API answers: the state for everyone, the details (internal URL, managed process) for admins.
    if (!comfy.enabled) return reply(200, { status: 'ok', enabled: false });
    return reply(200, {
      status: 'ok',
      enabled: true,
      state: comfy.state,
      queue_remaining: 0,
      ...(user.role === 'admin'
        ? {
            info: {
              base_url: 'http://127.0.0.1:8188',
              timeout: 30,
              client_wired: true,
              comfy: comfyInfo,
              managed: comfy.managed,
            },
          }
        : {}),
    });
  }
  if (path.startsWith('/api/comfy/') && !comfy.enabled)
    return fail(503, 'comfy.disabled', 'The ComfyUI integration is switched off');
  if (method === 'GET' && path === '/api/comfy/object-info')
    return reply(200, {
      object_info: comfy.objectInfo,
      stale: false,
      fetched_at: '2025-01-01T00:00:00.000Z',
    });
  if (method === 'POST' && path === '/api/comfy/txt2img') {
    const params = body as Txt2ImgParams;
    comfy.txt2imgRequests.push(params);
    if (!params.caption)
      return fail(400, 'validation_failed', 'Invalid.', { caption: ['caption must not be empty'] });
    if (params.preset !== undefined) {
      const preset = comfy.presets.find((p) => p.name === params.preset);
      if (!preset)
        return fail(400, 'validation_failed', 'Invalid.', { preset: [`unknown preset "${params.preset}"`] });
      // Like the API: the contract's knobs are checked; LoRAs and switches depend on the graph's shape.
      const structural = ['preset', 'loras', 'lora_weights', ...txt2imgFeatures];
      const refused = Object.keys(params).filter(
        (key) => !structural.includes(key) && !preset.params.includes(key),
      );
      if (refused.length > 0)
        return fail(422, 'comfy.unsupported_feature', `${preset.name} does not take ${refused.join(', ')}`);
    }
    const promptId = `prompt-${comfy.txt2imgRequests.length}`;
    const seed = params.seed ?? 4242;
    comfy.jobs.unshift(job(promptId, user, 'queued', { ...params, seed }));
    const workflow = {
      '3': { class_type: 'KSampler', inputs: {} },
      '9': { class_type: 'SaveImage', inputs: {} },
    };
    return reply(200, { prompt_id: promptId, client_id: 'c1', seed, workflow });
  }
  if (method === 'GET' && path === '/api/comfy/presets') return reply(200, { items: comfy.presets });
  const templateRun = /^\/api\/comfy\/workflows\/([^/]+)\/run$/.exec(path);
  if (method === 'POST' && templateRun) {
    const name = decodeURIComponent(templateRun[1] ?? '');
    const request = body as { params?: Record<string, unknown>; version?: string };
    comfy.workflowRuns.push({ name, ...request });
    const promptId = `run-${comfy.workflowRuns.length}`;
    const params = { ...request.params, seed: 77 };
    comfy.jobs.unshift({
      ...job(promptId, user, 'queued', { template: name, values: params }),
      kind: 'workflow',
    });
    return reply(201, { prompt_id: promptId, client_id: 'c1', params });
  }
  if (method === 'POST' && path === '/api/comfy/queue') {
    comfy.queued.push((body as { workflow: Record<string, unknown> }).workflow);
    return reply(200, { prompt_id: `queued-${comfy.queued.length}`, client_id: 'c1' });
  }
  if (method === 'GET' && path === '/api/comfy/jobs') {
    const status = url.searchParams.get('status');
    const mine = comfy.jobs.filter((j) => j.owner.id === user.id && (!status || j.status === status));
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const items = mine.slice(start, start + comfy.jobsPageSize);
    const next = start + comfy.jobsPageSize < mine.length ? String(start + comfy.jobsPageSize) : null;
    return reply(200, { items, next_cursor: next });
  }
  const jobPath = /^\/api\/comfy\/(status|cancel)\/(.+)$/.exec(path);
  if (jobPath) {
    const found = comfy.jobs.find((j) => j.prompt_id === decodeURIComponent(jobPath[2] ?? ''));
    if (!found) return fail(404, 'comfy.job_not_found', 'No such job.');
    if (jobPath[1] === 'cancel') comfy.cancelled.push(found.prompt_id);
    return reply(200, { prompt_id: found.prompt_id, status: found.status, images: found.images });
  }
  if (method === 'POST' && path === '/api/comfy/upload') return inputUpload(comfy, body);
  if (method === 'GET' && path === '/api/comfy/view')
    return new Response(samplePng, { status: 200, headers: { 'content-type': 'image/png' } });
  if (method === 'POST' && path.startsWith('/api/comfy/ingest')) {
    if (!isCurator) return fail(403, 'auth.forbidden', 'Curators only.');
    if (body instanceof FormData) comfy.uploads.push(body);
    const { prompt_id: promptId = 'upload', images = [] } = (body instanceof FormData ? {} : body) as {
      prompt_id?: string;
      images?: ComfyImageRef[];
    };
    const count = body instanceof FormData ? 1 : images.length;
    const items = Array.from({ length: count }, () => {
      const image = { ...galleryImage(comfy.gallery.length + 1, user.username), prompt_id: promptId };
      comfy.gallery.unshift(image);
      return { image, duplicate: false };
    });
    return path.endsWith('/from-job') ? reply(201, { items }) : reply(201, items[0]);
  }
  if (method === 'POST' && path === '/api/gallery/keep') {
    // Any user keeps their own results, private until approved.
    const { prompt_id: promptId, images = [] } = body as { prompt_id: string; images?: ComfyImageRef[] };
    const items = images.map(() => {
      const image = { ...galleryImage(comfy.gallery.length + 1, user.username), prompt_id: promptId };
      comfy.gallery.unshift({ ...image, status: 'private' as const });
      return { image, duplicate: false };
    });
    return reply(200, { items });
  }
  const searched = routeGallerySearch(comfy.gallery, method, url, reply, fail);
  if (searched) return searched;
  const lineagePath = /^\/api\/gallery\/images\/(\d+)\/lineage$/.exec(path);
  if (lineagePath && method === 'GET') {
    const id = Number(lineagePath[1]);
    const parents = comfy.parents ?? new Map<number, number>();
    if (!comfy.gallery.some((image) => image.id === id))
      return fail(404, 'gallery.not_found', 'No such image.');
    return reply(200, {
      parent: comfy.gallery.find((image) => image.id === parents.get(id)) ?? null,
      children: comfy.gallery.filter((image) => parents.get(image.id) === id),
    });
  }
  const imagePath = /^\/api\/gallery\/images\/(\d+)$/.exec(path);
  if (imagePath) {
    const id = Number(imagePath[1]);
    const found = comfy.gallery.find((image) => image.id === id);
    if (!found) return fail(404, 'gallery.not_found', 'No such image.');
    if (method === 'GET') return reply(200, found);
    if (method === 'PATCH') {
      if (!isCurator && found.created_by.id !== user.id)
        return fail(404, 'gallery.not_found', 'No such image.');
      const changed = { ...found, ...(body as Partial<GalleryImageDetail>) };
      comfy.gallery = comfy.gallery.map((image) => (image.id === id ? changed : image));
      return reply(200, changed);
    }
    if (method === 'DELETE') {
      if (!isCurator) return fail(403, 'auth.forbidden', 'Curators only.');
      comfy.gallery = comfy.gallery.filter((image) => image.id !== id);
      return new Response(null, { status: 204 });
    }
  }
  return fail(404, 'not_found', `No route ${method} ${path}.`);
}

/** POST /api/comfy/upload as the API answers it: the part `image`, PNG/JPEG/WebP only; every image is 640 × 480. */
function inputUpload(comfy: FakeComfy, body: unknown): Response {
  const file = body instanceof FormData ? body.get('image') : null;
  if (!(file instanceof Blob))
    return fail(400, 'validation_failed', 'Invalid.', { image: ['image is required'] });
  const mime = file.type as ComfyUploadResponse['mime'];
  if (!['image/png', 'image/jpeg', 'image/webp'].includes(mime))
    return fail(415, 'unsupported_media_type', 'Only PNG, JPEG and WebP images are accepted.');
  const n = comfy.inputUploads.length + 1;
  const name = `atelier-${String(n).padStart(16, '0')}.png`;
  const form = body as FormData;
  const upload: ComfyUploadResponse = {
    id: n,
    name,
    subfolder: 'atelier',
    type: 'input',
    image: `atelier/${name}`,
    kind: form.get('kind') === 'mask' ? 'mask' : 'image',
    ephemeral: form.get('ephemeral') === 'true',
    mime,
    bytes: file.size,
    width: 640,
    height: 480,
    sha256: String(n).padStart(64, '0'),
  };
  comfy.inputUploads.push(upload);
  return reply(201, upload);
}

export function job(
  promptId: string,
  owner: { id: number; username: string },
  status: JobSummary['status'],
  params: Record<string, unknown> | null = { caption: 'a cat', seed: 1, width: 512, height: 512, steps: 10 },
): JobSummary {
  return {
    prompt_id: promptId,
    kind: 'txt2img',
    status,
    owner: { id: owner.id, username: owner.username },
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    params,
    backend: null,
    waiting_position: null,
    gpu_seconds: null,
    retry_of: null,
    images: status === 'succeeded' ? [{ filename: `${promptId}.png`, subfolder: '', type: 'output' }] : [],
    error: null,
  };
}
