import type { ErrorCode } from '@atelier/contract';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { images } from '../gallery-fixtures.js';
import type { TestSession } from '../test-app.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: multipart abuse on both upload routes (ComfyUI inputs and gallery ingest): missing,
 * doubled, misnamed, disguised, truncated, oversized and pixel-bomb files, and stray fields. Each is refused and
 * leaves no row, no file and nothing in ComfyUI.
 */
const maxBytes = 64 * 1024;

let harness: ComfyHarness;
let curator: TestSession;
const files: Record<string, Buffer> = {};

beforeAll(async () => {
  harness = await startHostileHarness({
    env: {
      ATELIER_UPLOAD_MAX_BYTES: String(maxBytes),
      ATELIER_INGEST_MAX_BYTES: String(maxBytes),
      ATELIER_UPLOAD_MAX_PIXELS: '1000000',
      ATELIER_INGEST_MAX_PIXELS: '1000000',
    },
  });
  curator = await harness.app.login('curator');
  files.png = await images.png();
  files.svg = images.svg();
  files.text = images.text();
  files.gif = await images.gif();
  files.truncated = await images.truncatedPng();
  files.bomb = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#fff' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  files.big = Buffer.concat([files.png, randomBytes(maxBytes)]);
  files.html = Buffer.from('<html><script>alert(1)</script></html>');
  files.pngHeaderOnly = files.png.subarray(0, 8);
  files.empty = Buffer.alloc(0);
  files.polyglot = Buffer.concat([Buffer.from('GIF89a'), files.png]);
});
afterAll(() => harness.close());

interface Route {
  name: string;
  path: string;
  part: string;
  invalid: ErrorCode;
}
const uploadRoutes: readonly Route[] = [
  { name: 'POST /api/comfy/upload', path: '/api/comfy/upload', part: 'image', invalid: 'validation_failed' },
  {
    name: 'POST /api/comfy/ingest',
    path: '/api/comfy/ingest',
    part: 'file',
    invalid: 'gallery.invalid_image',
  },
];

type Request = ReturnType<ReturnType<typeof harness.app.request.post>['set']>;

interface Abuse {
  name: string;
  build: (request: Request, route: Route) => Request;
  status: number;
  code: (route: Route) => ErrorCode;
}

const attach = (request: Request, part: string, file: keyof typeof files | Buffer, name = 'a.png') =>
  request.attach(part, typeof file === 'string' ? (files[file] ?? Buffer.alloc(0)) : file, {
    filename: name,
    contentType: 'image/png',
  });

const abuses: readonly Abuse[] = [
  {
    name: 'no file part',
    build: (r) => r.field('kind', 'image'),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'the file under another part name',
    build: (r) => attach(r, 'upload', 'png'),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'the file part twice',
    build: (r, route) => attach(attach(r, route.part, 'png'), route.part, 'png'),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'an SVG named .png',
    build: (r, route) => attach(r, route.part, 'svg'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'HTML named .png',
    build: (r, route) => attach(r, route.part, 'html'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'text named .png',
    build: (r, route) => attach(r, route.part, 'text'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'a GIF',
    build: (r, route) => attach(r, route.part, 'gif', 'a.gif'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'a GIF header before PNG bytes',
    build: (r, route) => attach(r, route.part, 'polyglot'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'a truncated PNG',
    build: (r, route) => attach(r, route.part, 'truncated'),
    status: 400,
    code: (route) => route.invalid,
  },
  {
    name: 'the PNG signature alone',
    // Eight bytes are too few to tell a type by: refused as no image at all.
    build: (r, route) => attach(r, route.part, 'pngHeaderOnly'),
    status: 415,
    code: () => 'unsupported_media_type',
  },
  {
    name: 'an empty file',
    build: (r, route) => attach(r, route.part, 'empty'),
    status: 400,
    code: (route) => route.invalid,
  },
  {
    name: 'a pixel bomb (4 MP, limit 1 MP)',
    build: (r, route) => attach(r, route.part, 'bomb'),
    status: 413,
    code: () => 'payload_too_large',
  },
  {
    name: 'a file over the byte limit',
    build: (r, route) => attach(r, route.part, 'big'),
    status: 413,
    code: () => 'payload_too_large',
  },
  {
    name: 'an unknown field',
    build: (r, route) => attach(r.field('owner_id', '1'), route.part, 'png'),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'a field of 2 MB',
    // multer's field limit (1 MiB): "Field value too long - kind".
    build: (r, route) => attach(r.field('kind', 'x'.repeat(2 * 1024 * 1024)), route.part, 'png'),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'a field given twice',
    build: (r, route) =>
      attach(
        r.field('kind', 'image').field('kind', 'mask').field('prompt_id', 'a').field('prompt_id', 'b'),
        route.part,
        'png',
      ),
    status: 400,
    code: () => 'validation_failed',
  },
  {
    name: 'a __proto__ field',
    build: (r, route) => attach(r.field('__proto__', '{"role":"admin"}'), route.part, 'png'),
    status: 400,
    code: () => 'validation_failed',
  },
];

/** Raw multipart bodies that no form would send. */
const rawBodies: readonly (readonly [string, string, string])[] = [
  ['multipart without a boundary', 'multipart/form-data', '--x\r\n\r\n'],
  [
    'a body that never closes its boundary',
    'multipart/form-data; boundary=XYZ',
    '--XYZ\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage',
  ],
  [
    'a part without Content-Disposition',
    'multipart/form-data; boundary=XYZ',
    '--XYZ\r\nContent-Type: image/png\r\n\r\nabc\r\n--XYZ--\r\n',
  ],
  ['garbage after the content type', 'multipart/form-data; boundary=XYZ', 'this is not multipart at all'],
];

const cases = uploadRoutes.flatMap((route) =>
  abuses.map((abuse) => ({ name: `${route.name}: ${abuse.name}`, route, abuse })),
);
const rawCases = uploadRoutes.flatMap((route) =>
  rawBodies.map(([kind, type, body]) => ({ name: `${route.name}: ${kind}`, route, type, body })),
);

describe('multipart abuse', () => {
  it.each(cases)('$name is refused', async ({ route, abuse }) => {
    await expectRefusedUnchanged(
      harness,
      () => abuse.build(harness.app.request.post(route.path).set(curator.bearer), route),
      abuse.status,
      abuse.code(route),
    );
  });

  it.each(rawCases)('$name → 400 validation_failed', async ({ route, type, body }) => {
    await expectRefusedUnchanged(
      harness,
      () => harness.app.request.post(route.path).set(curator.bearer).set('Content-Type', type).send(body),
      400,
      'validation_failed',
    );
  });
});
