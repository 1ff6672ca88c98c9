import type { ErrorCode } from '@atelier/contract';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestSession } from '../test-app.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/** Issue 10, hostile suite: forged page cursors and ids are refused (400) or unknown (404), never a 5xx. */
let harness: ComfyHarness;
let admin: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness();
  admin = await harness.app.login('admin');
});
afterAll(() => harness.close());

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const when = '2026-01-01T00:00:00.000Z';

const galleryCursors: Record<string, string> = {
  'not base64': '!!!not-base64!!!',
  'base64 of text': Buffer.from('hello').toString('base64url'),
  'a one-part key': enc([1]),
  'a three-part key': enc([when, 1, 2]),
  'a negative row id': enc([when, -1]),
  'a zero row id': enc([when, 0]),
  'a fractional row id': enc([when, 1.5]),
  'an unsafe row id': enc([when, 2 ** 53]),
  'a row id as text': enc([when, '1']),
  'a date without milliseconds': enc(['2026-01-01T00:00:00Z', 1]),
  'SQL in the date': enc(["2026' OR 1=1 --", 1]),
  nulls: enc([null, null]),
  'an object': enc({ at: when, id: 1 }),
  'SQL, plain': "' OR 1=1 --",
  '201 characters': 'a'.repeat(201),
};

const jobCursors: Record<string, string> = {
  'not base64': '%%%',
  'an empty key': enc([]),
  'a two-part key': enc([1, 2]),
  zero: enc([0]),
  negative: enc([-5]),
  fractional: enc([2.5]),
  'unsafe integer': enc([2 ** 60]),
  text: enc(['1']),
  'SQL in the key': enc(['1 OR 1=1']),
  'a nested array': enc([[1]]),
  '101 characters': 'a'.repeat(101),
};

const pastInt4 = 2 ** 31;

const badIds = ['0', '-1', '1.5', '1e3', '0x10', '01', '+1', 'abc', '1234567890123456', ' 1', 'null'];

interface Case {
  name: string;
  send: () => PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>;
  status: number;
  code: ErrorCode;
}

const app = () => harness.app;
const get = (url: string) => app().request.get(url).set(admin.bearer);

const cases: Case[] = [
  ...Object.entries(galleryCursors).map(([kind, cursor]) => ({
    name: `gallery cursor: ${kind}`,
    send: () => get('/api/gallery/images').query({ cursor }),
    status: 400,
    code: 'validation_failed' as const,
  })),
  ...Object.entries(jobCursors).map(([kind, cursor]) => ({
    name: `jobs cursor: ${kind}`,
    send: () => get('/api/comfy/jobs').query({ cursor }),
    status: 400,
    code: 'validation_failed' as const,
  })),
  ...Object.entries(jobCursors).map(([kind, cursor]) => ({
    name: `audit cursor: ${kind}`,
    send: () => get('/api/admin/audit').query({ cursor }),
    status: 400,
    code: 'validation_failed' as const,
  })),
  ...badIds.flatMap((id) => [
    {
      name: `GET /gallery/images/${id}`,
      send: () => get(`/api/gallery/images/${encodeURIComponent(id)}`),
      status: 400,
      code: 'validation_failed' as const,
    },
    {
      name: `GET /gallery/images/${id}/file`,
      send: () => get(`/api/gallery/images/${encodeURIComponent(id)}/file`),
      status: 400,
      code: 'validation_failed' as const,
    },
    {
      name: `DELETE /gallery/images/${id}`,
      send: () =>
        app()
          .request.delete(`/api/gallery/images/${encodeURIComponent(id)}`)
          .set(admin.bearer),
      status: 400,
      code: 'validation_failed' as const,
    },
    {
      name: `PATCH /admin/users/${id}`,
      send: () =>
        app()
          .request.patch(`/api/admin/users/${encodeURIComponent(id)}`)
          .set(admin.bearer)
          .send({ disabled: true }),
      status: 400,
      code: 'validation_failed' as const,
    },
  ]),
  {
    name: 'GET an image id nobody has',
    send: () => get('/api/gallery/images/424242'),
    status: 404,
    code: 'gallery.not_found',
  },
  {
    name: 'GET the file of an image id nobody has',
    send: () => get('/api/gallery/images/424242/file'),
    status: 404,
    code: 'gallery.not_found',
  },
  {
    name: 'GET the thumbnail of an image id nobody has',
    send: () => get('/api/gallery/images/424242/thumbnail'),
    status: 404,
    code: 'gallery.not_found',
  },
  {
    name: 'DELETE an image id nobody has',
    send: () => app().request.delete('/api/gallery/images/424242').set(admin.bearer),
    status: 404,
    code: 'gallery.not_found',
  },
  {
    name: 'GET the largest id the pipe takes',
    send: () => get('/api/gallery/images/999999999999999'),
    status: 404,
    code: 'gallery.not_found',
  },
  // Postgres identity columns are int4: an id past 2^31 - 1 must be a 404 there too, not an out-of-range 500.
  ...['2147483647', '2147483648', '99999999999'].flatMap((id) => [
    {
      name: `GET the image id ${id}`,
      send: () => get(`/api/gallery/images/${id}`),
      status: 404,
      code: 'gallery.not_found' as const,
    },
    {
      name: `DELETE the image id ${id}`,
      send: () => app().request.delete(`/api/gallery/images/${id}`).set(admin.bearer),
      status: 404,
      code: 'gallery.not_found' as const,
    },
    {
      name: `PATCH the user id ${id}`,
      send: () => app().request.patch(`/api/admin/users/${id}`).set(admin.bearer).send({ disabled: true }),
      status: 404,
      code: 'users.not_found' as const,
    },
  ]),
  // …and one in a list, a body or a cursor is refused (400) on both engines, as on Postgres it was a 500.
  ...(
    [
      ['compare', () => get(`/api/gallery/compare?ids=1,${pastInt4}`)],
      ['export.zip', () => get(`/api/gallery/export.zip?ids=${pastInt4}`)],
      [
        'a background export',
        () =>
          app()
            .request.post('/api/gallery/exports')
            .set(admin.bearer)
            .send({ ids: [pastInt4] }),
      ],
      [
        'a share of an image',
        () =>
          app()
            .request.post('/api/shares')
            .set(admin.bearer)
            .send({ target: { image_id: pastInt4 } }),
      ],
      [
        'a share of images',
        () =>
          app()
            .request.post('/api/shares')
            .set(admin.bearer)
            .send({ target: { ids: [pastInt4] } }),
      ],
      [
        'a share of a board',
        () =>
          app()
            .request.post('/api/shares')
            .set(admin.bearer)
            .send({ target: { board_id: pastInt4 } }),
      ],
      [
        'a bulk selection',
        () =>
          app()
            .request.post('/api/gallery/bulk')
            .set(admin.bearer)
            .send({ selection: { ids: [pastInt4] }, action: { type: 'tag', tags: ['x'] } }),
      ],
      [
        'a bulk board',
        () =>
          app()
            .request.post('/api/gallery/bulk')
            .set(admin.bearer)
            .send({ selection: { ids: [1] }, action: { type: 'board_add', board_id: pastInt4 } }),
      ],
      ['a jobs cursor', () => get('/api/comfy/jobs').query({ cursor: enc([pastInt4]) })],
      ['an audit cursor', () => get('/api/admin/audit').query({ cursor: enc([pastInt4]) })],
    ] as const
  ).map(([kind, send]) => ({
    name: `an id past 2^31 - 1 in ${kind}`,
    send,
    status: 400,
    code: 'validation_failed' as const,
  })),
  {
    name: 'PATCH a user id nobody has',
    send: () => app().request.patch('/api/admin/users/424242').set(admin.bearer).send({ disabled: true }),
    status: 404,
    code: 'users.not_found',
  },
  {
    name: 'reset the password of a user id nobody has',
    send: () =>
      app()
        .request.post('/api/admin/users/424242/password')
        .set(admin.bearer)
        .send({ password: 'a-long-enough-password' }),
    status: 404,
    code: 'users.not_found',
  },
  ...['status', 'history', 'stream'].map((route) => ({
    name: `GET /${route} of a made-up prompt id`,
    send: () => get(`/api/comfy/${route}/${randomUUID()}`),
    status: 404,
    code: 'comfy.job_not_found' as const,
  })),
  {
    name: 'cancel a made-up prompt id',
    send: () => app().request.post(`/api/comfy/cancel/${randomUUID()}`).set(admin.bearer),
    status: 404,
    code: 'comfy.job_not_found',
  },
  {
    name: 'keep the images of a made-up prompt id',
    send: () =>
      app().request.post('/api/comfy/ingest/from-job').set(admin.bearer).send({ prompt_id: randomUUID() }),
    status: 404,
    code: 'comfy.job_not_found',
  },
  ...(
    [
      ['/api/gallery/images?limit=1&limit=2', 'a limit given twice'],
      ['/api/gallery/images?cursor=a&cursor=b', 'a gallery cursor given twice'],
      ['/api/comfy/jobs?status=running&status=queued', 'a job status given twice'],
      ['/api/comfy/jobs?limit[]=5', 'a limit as an array'],
      ['/api/comfy/jobs?mine=1&mine=0', 'mine given twice'],
      ['/api/comfy/view?filename=a.png&filename=b.png', 'a view filename given twice'],
      ['/api/comfy/view?filename[]=a.png', 'a view filename as an array'],
      ['/api/comfy/view?filename=a.png&type=output&type=input', 'a view type given twice'],
      ['/api/comfy/object-info?refresh=1&refresh=0', 'refresh given twice'],
      ['/api/gallery/images/1/file?download=1&download=0', 'download given twice'],
      ['/api/admin/audit?action=a&action=b', 'an audit action given twice'],
    ] as const
  ).map(([url, kind]) => ({
    name: `query pollution: ${kind}`,
    send: () => get(url),
    status: 400,
    code: 'validation_failed' as const,
  })),
  {
    name: 'a prompt id of 129 characters',
    send: () => get(`/api/comfy/status/${'a'.repeat(129)}`),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'a prompt id starting with "-"',
    send: () => get('/api/comfy/status/-rf'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'an Idempotency-Key of 201 characters',
    send: () =>
      app()
        .request.post('/api/comfy/txt2img')
        .set(admin.bearer)
        .set('Idempotency-Key', 'k'.repeat(201))
        .send({ caption: 'a cat' }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'an Idempotency-Key with a space',
    send: () =>
      app()
        .request.post('/api/comfy/txt2img')
        .set(admin.bearer)
        .set('Idempotency-Key', 'a b')
        .send({ caption: 'a cat' }),
    status: 400,
    code: 'validation_failed',
  },
];

describe('forged cursors and ids', () => {
  it.each(cases)('$name → $status $code', async ({ send, status, code }) => {
    await expectRefusedUnchanged(harness, send, status, code);
  });
});
