import { galleryPageMaxLimit, type ErrorCode } from '@atelier/contract';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { samplerWorkflow } from '../comfy-kit.js';
import type { TestSession } from '../test-app.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/** Issue 10, hostile suite: numbers past their bounds, in bodies and queries, are refused and queue nothing. */
let harness: ComfyHarness;
let user: TestSession;
let admin: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness();
  user = await harness.app.login('user');
  admin = await harness.app.login('admin');
});
afterAll(() => harness.close());

const txt2img: readonly (readonly [string, unknown])[] = [
  ['width', 63],
  ['width', 4097],
  ['width', 8192],
  ['width', 65],
  ['width', 0],
  ['width', -64],
  ['width', 64.5],
  ['width', 1e308],
  ['width', '512'],
  ['height', 56],
  ['height', 4104],
  ['height', -1],
  ['steps', 0],
  ['steps', 151],
  ['steps', -1],
  ['steps', 1.5],
  ['steps', 1e9],
  ['cfg', 0],
  ['cfg', 20.5],
  ['cfg', -1],
  ['seed', -1],
  ['seed', 2 ** 53],
  ['seed', 1e20],
  ['seed', 0.5],
  ['batch_size', 0],
  ['batch_size', 65],
  ['batch_size', 1000],
  ['denoise', -0.1],
  ['denoise', 1.1],
  ['caption', 'x'.repeat(10_001)],
  ['caption', ''],
  ['negative', 'x'.repeat(10_001)],
];

/** Graph inputs that txt2img's caps bound, on raw graphs (admins are held to them too). */
const graphCaps: readonly (readonly [string, string, string, number])[] = [
  ['KSampler steps', '3', 'steps', 151],
  ['KSampler steps, huge', '3', 'steps', 1e12],
  ['EmptyLatentImage width', '5', 'width', 8192],
  ['EmptyLatentImage height', '5', 'height', 4097],
  ['EmptyLatentImage width, too small', '5', 'width', 8],
  ['EmptyLatentImage batch_size', '5', 'batch_size', 65],
  ['EmptyLatentImage batch_size, zero', '5', 'batch_size', 0],
];

const queries: readonly (readonly [string, string, string])[] = [
  ...[
    '0',
    '-1',
    '101',
    '1.5',
    'abc',
    '1e3',
    '',
    '99999999999999999999',
    '0x10',
    'Infinity',
    '1e1',
    '+5',
    ' 5',
  ].map((limit) => ['/api/comfy/jobs', 'limit', limit] as const),
  ...[
    '0',
    '-1',
    String(galleryPageMaxLimit + 1),
    '2.5',
    'NaN',
    '1e9',
    ' ',
    '-0',
    '0x10',
    '1e1',
    ' 5',
    '5 ',
  ].map((limit) => ['/api/gallery/images', 'limit', limit] as const),
];

/** Settings an admin may change, past what they accept: 400, nothing stored. */
const settings: readonly (readonly [string, Record<string, unknown>])[] = [
  ['an unknown key', { no_such_setting: 1 }],
  ['a timeout of 0', { comfy_timeout: 0 }],
  ['a timeout past its maximum', { comfy_timeout: 601 }],
  ['a timeout as text', { comfy_timeout: '5' }],
  ['a timeout of 1e9', { comfy_timeout: 1e9 }],
  ['a file: URL for ComfyUI', { comfy_api_url: 'file:///etc/passwd' }],
  ['a URL with a query', { comfy_api_url: 'http://127.0.0.1:8188/?x=1' }],
  ['a URL of 3000 characters', { comfy_api_url: `http://${'a'.repeat(3000)}.example` }],
  ['a role that does not exist', { comfy_raw_graph_min_role: 'root' }],
  [
    'an allow-list of 501 names',
    { comfy_node_allow_list: Array.from({ length: 501 }, (_, i) => `Node${i}`) },
  ],
  ['an allow-list name of 201 characters', { comfy_node_allow_list: ['x'.repeat(201)] }],
  ['a boolean as a word in JSON', { comfy_enabled: 'maybe' }],
];

/** Accounts an admin may create, past what they accept. */
const accounts: readonly (readonly [string, Record<string, unknown>, number, ErrorCode])[] = [
  [
    'a username taken in another case',
    { username: 'ADMIN', password: 'a-long-enough-password', role: 'user' },
    409,
    'users.username_taken',
  ],
  [
    'a username of 2 characters',
    { username: 'ab', password: 'a-long-enough-password', role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a username of 65 characters',
    { username: 'a'.repeat(65), password: 'a-long-enough-password', role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a username with a zero-width space',
    { username: 'admin\u200b', password: 'a-long-enough-password', role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a full-width username',
    { username: 'ａｄｍｉｎ', password: 'a-long-enough-password', role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a username starting with a dot',
    { username: '.admin', password: 'a-long-enough-password', role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a password of 11 characters',
    { username: 'newcomer', password: 'x'.repeat(11), role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a password of 257 characters',
    { username: 'newcomer', password: 'x'.repeat(257), role: 'user' },
    400,
    'validation_failed',
  ],
  [
    'a role that does not exist',
    { username: 'newcomer', password: 'a-long-enough-password', role: 'root' },
    400,
    'validation_failed',
  ],
];

describe('numeric bounds', () => {
  it.each(
    txt2img.map(([field, value]) => ({
      name: `txt2img ${field} = ${String(value).slice(0, 20)}`,
      field,
      value,
    })),
  )('$name → 400 validation_failed', async ({ field, value }) => {
    await expectRefusedUnchanged(
      harness,
      () =>
        harness.app.request
          .post('/api/comfy/txt2img')
          .set(user.bearer)
          .send({ caption: 'a cat', [field]: value }),
      400,
      'validation_failed',
    );
  });

  it.each(graphCaps.map(([name, node, input, value]) => ({ name, node, input, value })))(
    'a raw graph with $name past its cap → 400 validation_failed',
    async ({ node, input, value }) => {
      const workflow = samplerWorkflow(1);
      (workflow[node] as { inputs: Record<string, unknown> }).inputs[input] = value;
      await expectRefusedUnchanged(
        harness,
        () => harness.app.request.post('/api/comfy/queue').set(admin.bearer).send({ workflow }),
        400,
        'validation_failed',
      );
    },
  );

  it.each(settings.map(([name, patch]) => ({ name, patch })))(
    'PATCH /api/admin/config with $name → 400 validation_failed',
    async ({ patch }) => {
      await expectRefusedUnchanged(
        harness,
        () => harness.app.request.patch('/api/admin/config').set(admin.bearer).send(patch),
        400,
        'validation_failed',
      );
    },
  );

  it.each(accounts.map(([name, body, status, code]) => ({ name, body, status, code })))(
    'POST /api/admin/users with $name → $status $code',
    async ({ body, status, code }) => {
      await expectRefusedUnchanged(
        harness,
        () => harness.app.request.post('/api/admin/users').set(admin.bearer).send(body),
        status,
        code,
      );
    },
  );

  it.each(queries.map(([path, key, value]) => ({ name: `${path}?${key}=${value}`, path, key, value })))(
    '$name → 400 validation_failed',
    async ({ path, key, value }) => {
      await expectRefusedUnchanged(
        harness,
        () =>
          harness.app.request
            .get(path)
            .query({ [key]: value })
            .set(user.bearer),
        400,
        'validation_failed',
      );
    },
  );
});
