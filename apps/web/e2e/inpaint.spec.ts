import { decodePng, encodePng, type RawImage } from '@atelier/comfy-sim';
import { expect, test, type Locator, type Page, type Request } from '@playwright/test';
import { e2eInpaintUser } from './credentials.js';
import { logIn } from './helpers.js';
import { expectAccessible } from './support/axe.js';
import { ensureComfyEnabled, ensureUser } from './support/api-setup.js';
import { expectNoHorizontalOverflow } from './support/layout-checks.js';
import { waitForResult } from './support/generate-page.js';

// Inpainting from the browser: an input image, a mask painted with the pointer, the mask uploaded
// as its own black-and-white PNG at the input's size, and a job that runs with it.

const input = { width: 320, height: 200 };

function inputPng(): Buffer {
  const data = new Uint8Array(input.width * input.height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = 40;
    data[i + 1] = (i / 3) % 256;
    data[i + 2] = 160;
  }
  return encodePng({ ...input, channels: 3, data });
}

interface SentForm {
  type: string;
  bytes: number[];
}

/**
 * Keeps a copy of every multipart body the page sends through XHR (the upload client's transport).
 * Chromium does not hand Playwright a request body that holds a file (postDataBuffer() is null), so
 * the page encodes the very FormData it sends, as the browser does for the wire.
 */
async function recordSentForms(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const sent: SentForm[] = [];
    (window as unknown as { sentForms: SentForm[] }).sentForms = sent;
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (body?: Document | XMLHttpRequestBodyInit | null) {
      if (body instanceof FormData) {
        const encoded = new Response(body);
        const type = encoded.headers.get('content-type') ?? '';
        void encoded
          .arrayBuffer()
          .then((buffer) => sent.push({ type, bytes: Array.from(new Uint8Array(buffer)) }));
      }
      send.call(this, body);
    };
  });
}

/** A multipart/form-data body's text fields and its (one) file part. */
function multipart({ type, bytes }: SentForm): { fields: Record<string, string>; file: Buffer } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(type);
  if (!boundary) throw new Error(`not multipart: ${type}`);
  const body = Buffer.from(bytes);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const fields: Record<string, string> = {};
  let file: Buffer | null = null;
  let start = body.indexOf(delimiter) + delimiter.length;
  for (let next = body.indexOf(delimiter, start); next !== -1; next = body.indexOf(delimiter, start)) {
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF, then the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const content = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1] ?? '';
    if (/filename="/.test(headers)) file = Buffer.from(content);
    else fields[name] = content.toString('utf8');
    start = next + delimiter.length;
  }
  if (!file) throw new Error('no file part');
  return { fields, file };
}

/** The multipart bodies of the mask uploads the page has sent (every upload has a file part). */
async function maskForms(page: Page) {
  const sent = await page.evaluate(() => (window as unknown as { sentForms: SentForm[] }).sentForms);
  return sent.map(multipart).filter((form) => form.fields.kind === 'mask');
}

const isUpload = (request: Request) =>
  request.method() === 'POST' && request.url().endsWith('/api/comfy/upload');
const isTxt2img = (request: Request) =>
  request.method() === 'POST' && request.url().endsWith('/api/comfy/txt2img');

/** Sets the input image through its labelled file control and waits until it is uploaded. */
async function pickInput(page: Page): Promise<void> {
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/comfy/upload'));
  await page
    .getByLabel('Input image', { exact: true })
    .setInputFiles({ name: 'input.png', mimeType: 'image/png', buffer: inputPng() });
  expect((await uploaded).status()).toBe(201);
  await expect(page.getByRole('img', { name: 'Input image preview' })).toBeVisible();
}

/** Drags across the canvas between two points given as fractions of its box. */
async function paint(page: Page, canvas: Locator, from: [number, number], to: [number, number]) {
  const box = (await canvas.boundingBox())!;
  const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at(to), { steps: 12 });
  await page.mouse.up();
}

/** The red channel at a point given as fractions of the image. */
const redAt = (png: RawImage, fx: number, fy: number) =>
  png.data[(Math.floor(fy * png.height) * png.width + Math.floor(fx * png.width)) * png.channels];

test.beforeAll(async ({ baseURL }) => {
  await ensureComfyEnabled(baseURL!);
  await ensureUser(baseURL!, e2eInpaintUser);
});

test('a painted mask goes up as a black-and-white PNG at the input size and the job inpaints with it', async ({
  page,
}) => {
  await recordSentForms(page);
  await logIn(page, e2eInpaintUser.username, e2eInpaintUser.password);
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill('a red door in a white wall, inpaint e2e');
  await page.getByLabel('Steps', { exact: true }).fill('3');
  await pickInput(page);

  await page.getByRole('switch', { name: 'Paint a mask' }).click();
  const editor = page.getByRole('region', { name: 'Mask editor' });
  const canvas = editor.getByTestId('mask-canvas');
  await expect(canvas).toBeVisible();
  await expect(editor.getByTestId('mask-status')).toHaveText('Brush 32 px');
  await expect(editor).toContainText('Nothing painted yet');
  await expectAccessible(page, 'generate · mask editor');

  // One stroke, undone with Ctrl-Z (nothing painted), and back with Ctrl-Shift-Z.
  await paint(page, canvas, [0.2, 0.5], [0.7, 0.5]);
  await expect(editor).toContainText('Painted areas will be repainted');
  // The field already shows what the job will get: inpainting's default, not img2img's.
  await expect(page.getByLabel('Denoise', { exact: true })).toHaveValue('1');
  await editor.focus();
  await page.keyboard.press('Control+z');
  await expect(editor.getByTestId('mask-status')).toHaveText('Undone');
  await expect(editor).toContainText('Nothing painted yet');
  await expect(page.getByLabel('Denoise', { exact: true })).toHaveValue('0.75');
  await page.keyboard.press('Control+Shift+z');
  await expect(editor).toContainText('Painted areas will be repainted');
  // Size keys and the tool swap answer in the live status.
  await page.keyboard.press(']');
  await expect(editor.getByTestId('mask-status')).toHaveText('Brush 40 px');
  await page.keyboard.press('[');

  const maskUpload = page.waitForRequest(isUpload);
  const run = page.waitForRequest(isTxt2img);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();

  const upload = await maskUpload;
  await expect.poll(async () => (await maskForms(page)).length).toBe(1);
  const [{ fields, file }] = (await maskForms(page)) as [ReturnType<typeof multipart>];
  expect(fields).toMatchObject({ kind: 'mask', ephemeral: 'true' });
  const mask = decodePng(file);
  expect([mask.width, mask.height]).toEqual([input.width, input.height]);
  // Opaque black and white only (counted first: one expect per pixel would be a test step each).
  let grey = 0;
  for (let i = 0; i < mask.data.length; i += mask.channels) {
    const red = mask.data[i];
    if ((red !== 0 && red !== 255) || (mask.channels === 4 && mask.data[i + 3] !== 255)) grey++;
  }
  expect(grey).toBe(0);
  for (const fx of [0.22, 0.35, 0.45, 0.55, 0.68]) expect(redAt(mask, fx, 0.5), `x ${fx}`).toBe(255);
  for (const [fx, fy] of [
    [0.02, 0.02],
    [0.45, 0.05],
    [0.95, 0.5],
    [0.98, 0.95],
    [0.05, 0.5],
  ] as const)
    expect(redAt(mask, fx, fy), `${fx}, ${fy}`).toBe(0);

  const uploaded = (await (await upload.response())!.json()) as { image: string; kind: string };
  expect(uploaded.kind).toBe('mask');
  const body = (await run).postDataJSON() as Record<string, unknown>;
  expect(body.mask).toBe(uploaded.image);
  expect(body.image).toEqual(expect.any(String));
  expect(body.image).not.toBe(uploaded.image);
  expect(body).not.toHaveProperty('width');
  expect(body).not.toHaveProperty('height');

  const card = page.getByTestId('job-card').filter({ hasText: 'inpaint e2e' }).first();
  await waitForResult(card);
});

test('on a phone: the editor fits 375 px, and a mask undone to nothing sends no mask', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await recordSentForms(page);
  await logIn(page, e2eInpaintUser.username, e2eInpaintUser.password);
  await page.goto('/generate');
  await page.getByLabel('Prompt', { exact: true }).fill('nothing masked, inpaint e2e');
  await pickInput(page);
  const toggle = page.getByRole('switch', { name: 'Paint a mask' });
  if ((await toggle.getAttribute('aria-checked')) !== 'true') await toggle.click();
  const editor = page.getByRole('region', { name: 'Mask editor' });
  await expect(editor.getByTestId('mask-canvas')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'generate · mask editor · 375 px');
  await paint(page, editor.getByTestId('mask-canvas'), [0.3, 0.3], [0.6, 0.6]);
  await expect(editor).toContainText('Painted areas will be repainted');
  await page.keyboard.press('Control+z');
  await expect(editor).toContainText('Nothing painted yet');

  let uploads = 0;
  page.on('request', (r) => {
    if (isUpload(r)) uploads++;
  });
  const run = page.waitForRequest(isTxt2img);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const body = (await run).postDataJSON() as Record<string, unknown>;
  expect(body).not.toHaveProperty('mask');
  expect(body.image).toEqual(expect.any(String));
  expect(uploads).toBe(0);
  expect(await maskForms(page)).toEqual([]);
});
