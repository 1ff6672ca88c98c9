import type { ErrorCode } from '@atelier/contract';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { quickWorkflow } from '../comfy-kit.js';
import { images } from '../gallery-fixtures.js';
import type { TestSession } from '../test-app.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: every spelling of a path that leaves its folder, on every parameter that names a
 * file, a folder or an id, is refused before anything is read, written or queued.
 */
const spellings: Record<string, string> = {
  'dot-dot slashes': '../../../etc/passwd',
  'encoded slashes': '..%2f..%2f..%2fetc%2fpasswd',
  'encoded dots and slashes': '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'double encoding': '%252e%252e%252f%252e%252e%252fetc',
  backslashes: '..\\..\\windows\\win.ini',
  'full-width dots and slashes': '．．／．．／etc／passwd',
  'two-dot leader': '\u2025/\u2025/etc/passwd',
  'absolute path': '/etc/passwd',
  'drive letter, backslash': 'C:\\Windows\\win.ini',
  'drive letter, slash': 'C:/Windows/win.ini',
  'dot-dot after a folder': 'atelier/../../../etc/passwd',
  'NUL byte': 'image.png\u0000.txt',
  'four dots': '....//....//etc/passwd',
  'dot-dot semicolon': '..;/..;/etc/passwd',
};

let harness: ComfyHarness;
let admin: TestSession;
let png: Buffer;

beforeAll(async () => {
  harness = await startHostileHarness({
    env: { ATELIER_CONFIG_DIR: 'cfg' },
    files: {
      // A workflow template whose `image` parameter is LoadImage's input.
      'cfg/comfy/workflows/load_image.api.json': JSON.stringify(loadImage('example.png')),
      'cfg/comfy/params/load_image.schema.json': JSON.stringify({
        type: 'object',
        additionalProperties: false,
        properties: { image: { type: 'string', 'x-patch': [{ node: '1', input: 'image' }] } },
      }),
    },
  });
  admin = await harness.app.login('admin');
  png = await images.png();
});
afterAll(() => harness.close());

const app = () => harness.app;
const path = (value: string) => encodeURIComponent(value);

function loadImage(image: string) {
  return {
    '1': { class_type: 'LoadImage', inputs: { image } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/x' } },
  };
}

interface Parameter {
  name: string;
  send: (value: string) => PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>;
  status: number;
  code: ErrorCode;
}

const parameters: readonly Parameter[] = [
  {
    name: 'GET /view filename',
    send: (v) => app().request.get('/api/comfy/view').query({ filename: v }).set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /view subfolder',
    send: (v) =>
      app().request.get('/api/comfy/view').query({ filename: 'a.png', subfolder: v }).set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /view type',
    send: (v) => app().request.get('/api/comfy/view').query({ filename: 'a.png', type: v }).set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /status/:promptId',
    send: (v) =>
      app()
        .request.get(`/api/comfy/status/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /history/:promptId',
    send: (v) =>
      app()
        .request.get(`/api/comfy/history/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /cancel/:promptId',
    send: (v) =>
      app()
        .request.post(`/api/comfy/cancel/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /stream/:promptId',
    send: (v) =>
      app()
        .request.get(`/api/comfy/stream/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /gallery/images/:id',
    send: (v) =>
      app()
        .request.get(`/api/gallery/images/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /gallery/images/:id/file',
    send: (v) =>
      app()
        .request.get(`/api/gallery/images/${path(v)}/file`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'GET /gallery/images/:id/thumbnail',
    send: (v) =>
      app()
        .request.get(`/api/gallery/images/${path(v)}/thumbnail`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'DELETE /gallery/images/:id',
    send: (v) =>
      app()
        .request.delete(`/api/gallery/images/${path(v)}`)
        .set(admin.bearer),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /workflows/:name/run',
    send: (v) =>
      app()
        .request.post(`/api/comfy/workflows/${path(v)}/run`)
        .set(admin.bearer)
        .send({}),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'POST /txt2img preset',
    send: (v) =>
      app().request.post('/api/comfy/txt2img').set(admin.bearer).send({ caption: 'a cat', preset: v }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /txt2img image',
    send: (v) =>
      app().request.post('/api/comfy/txt2img').set(admin.bearer).send({ caption: 'a cat', image: v }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /upload subfolder',
    send: (v) =>
      app()
        .request.post('/api/comfy/upload')
        .set(admin.bearer)
        .field('subfolder', v)
        .attach('image', png, 'a.png'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /ingest prompt_id',
    send: (v) =>
      app()
        .request.post('/api/comfy/ingest')
        .set(admin.bearer)
        .field('prompt_id', v)
        .attach('file', png, 'a.png'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /ingest/from-job prompt_id',
    send: (v) => app().request.post('/api/comfy/ingest/from-job').set(admin.bearer).send({ prompt_id: v }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /queue LoadImage image',
    send: (v) =>
      app()
        .request.post('/api/comfy/queue')
        .set(admin.bearer)
        .send({ workflow: loadImage(v) }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /workflows/load_image/run image parameter',
    send: (v) =>
      app()
        .request.post('/api/comfy/workflows/load_image/run')
        .set(admin.bearer)
        .send({ params: { image: v } }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'POST /queue SaveImage filename_prefix',
    send: (v) => {
      const workflow = quickWorkflow();
      (workflow['2'] as { inputs: Record<string, unknown> }).inputs.filename_prefix = v;
      return app().request.post('/api/comfy/queue').set(admin.bearer).send({ workflow });
    },
    status: 400,
    code: 'validation_failed',
  },
];

const cases = parameters.flatMap((parameter) =>
  Object.entries(spellings).map(([spelling, value]) => ({
    name: `${parameter.name}: ${spelling}`,
    parameter,
    value,
  })),
);

describe('path traversal', () => {
  it.each(cases)('$name is refused', async ({ parameter, value }) => {
    await expectRefusedUnchanged(harness, () => parameter.send(value), parameter.status, parameter.code);
  });
});
