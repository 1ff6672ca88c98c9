import type { ComfyImageRef, JobStatus } from '@atelier/contract';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type { JobOutputs, JobRecord } from '../src/comfy/job-outputs.js';
import type { TestApp, TestSession } from './test-app.js';

let colorSeed = 0;

/** A distinct colour per call, so every generated image has distinct bytes. */
function nextColor() {
  colorSeed += 1;
  return { r: (colorSeed * 37) % 256, g: (colorSeed * 91) % 256, b: (colorSeed * 53) % 256 };
}

function canvas(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: nextColor() } });
}

export const images = {
  png: (width = 64, height = 48) => canvas(width, height).png().toBuffer(),
  jpeg: (width = 64, height = 48) => canvas(width, height).jpeg().toBuffer(),
  webp: (width = 64, height = 48) => canvas(width, height).webp().toBuffer(),
  /** Stored 80×40 with EXIF orientation 6 (rotate 90° clockwise): displayed 40×80. */
  rotatedJpeg: () => canvas(80, 40).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
  gif: () => canvas(8, 8).gif().toBuffer(),
  /** Random pixels barely compress: about 12 KB of PNG. */
  noisyPng: () =>
    sharp(randomBytes(64 * 64 * 3), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer(),
  /** The first 60% of a real PNG: its header reads fine, its pixels do not. */
  truncatedPng: async () => {
    const whole = await canvas(64, 48).png().toBuffer();
    return whole.subarray(0, Math.floor(whole.length * 0.6));
  },
  /** 10000×10000 of one colour: about 300 KB of PNG that would decode to 100 MP. */
  pixelBomb: () =>
    sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#ffffff' } })
      .png({ compressionLevel: 9 })
      .toBuffer(),
  svg: () =>
    Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    ),
  text: () => Buffer.from('this is not an image, whatever its name says\n'),
};

export interface IngestFields {
  prompt_id?: string;
  workflow?: string;
  metadata?: string;
  [field: string]: string | undefined;
}

/** POST /api/comfy/ingest as multipart, with a Bearer token. */
export function ingest(
  app: TestApp,
  session: TestSession | null,
  file: Buffer | null,
  fields: IngestFields = {},
  filename = 'image.png',
) {
  let request = app.request.post('/api/comfy/ingest');
  if (session) request = request.set(session.bearer);
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) request = request.field(name, value);
  }
  if (file) request = request.attach('file', file, { filename, contentType: 'image/png' });
  return request;
}

/** Every file below `dir` (relative to the app's root dir), as sorted paths relative to `dir`. */
export async function filesUnder(app: TestApp, dir: string): Promise<string[]> {
  const base = join(app.rootDir, dir);
  const found: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await visit(path);
      else found.push(relative(base, path));
    }
  };
  await visit(base);
  return found.sort();
}

/** The comfy-sim answers of GET /history/{id}, as far as the test source reads them. */
interface SimHistoryEntry {
  outputs?: Record<string, { images?: ComfyImageRef[] }>;
  status?: { status_str?: string; completed?: boolean };
}

/** What the gallery asks of the comfy module's JobOutputs; tests replace it with the doubles below. */
export type GalleryJobSource = Pick<JobOutputs, 'findJob' | 'fetchImage'>;

/**
 * A GalleryJobSource over a real ComfyUI simulator: jobs are read from its /history, images from
 * its /view; owner and params come from a little ledger the test fills, as the comfy module's
 * ledger would.
 */
export class SimJobSource implements GalleryJobSource {
  readonly ledger = new Map<string, { owner_id: number; params: Record<string, unknown> | null }>();
  readonly fetched: ComfyImageRef[] = [];

  constructor(private readonly baseUrl: string) {}

  async findJob(promptId: string): Promise<JobRecord | null> {
    const known = this.ledger.get(promptId);
    if (!known) return null;
    const response = await fetch(`${this.baseUrl}/history/${encodeURIComponent(promptId)}`);
    const history = (await response.json()) as Record<string, SimHistoryEntry>;
    const entry = history[promptId];
    const images = Object.values(entry?.outputs ?? {}).flatMap((output) => output.images ?? []);
    const status: JobStatus = !entry
      ? 'queued'
      : entry.status?.status_str === 'success'
        ? 'succeeded'
        : entry.status?.completed
          ? 'failed'
          : 'running';
    return {
      prompt_id: promptId,
      ...known,
      workflow: this.workflows.get(promptId) ?? null,
      images,
      status,
      ...noTemplateOrBackend,
    };
  }

  async fetchImage(ref: ComfyImageRef): Promise<Buffer> {
    this.fetched.push(ref);
    const query = new URLSearchParams({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type });
    const response = await fetch(`${this.baseUrl}/view?${query.toString()}`);
    if (!response.ok) throw new Error(`/view answered ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  private readonly workflows = new Map<string, Record<string, unknown>>();

  /**
   * Queues `prompt` on the simulator under a fresh prompt id, records it in the ledger and waits
   * until its history says it is done.
   */
  async run(
    prompt: Record<string, unknown>,
    ledger: { owner_id: number; params: Record<string, unknown> | null },
  ): Promise<string> {
    const promptId = crypto.randomUUID();
    const queued = await fetch(`${this.baseUrl}/prompt`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt, prompt_id: promptId, client_id: 'gallery-tests' }),
    });
    if (!queued.ok) throw new Error(`The simulator refused the prompt: ${await queued.text()}`);
    this.ledger.set(promptId, ledger);
    this.workflows.set(promptId, prompt);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const job = await this.findJob(promptId);
      if (job && job.status !== 'queued' && job.status !== 'running') return promptId;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`Prompt ${promptId} did not finish on the simulator`);
  }
}

/** Two model-free SaveImage outputs of different colours (so their bytes differ). */
export function twoImagePrompt(): Record<string, unknown> {
  const empty = (color: number, width: number) => ({
    class_type: 'EmptyImage',
    inputs: { width, height: 48, batch_size: 1, color },
  });
  const save = (from: string, prefix: string) => ({
    class_type: 'SaveImage',
    inputs: { images: [from, 0], filename_prefix: prefix },
  });
  return { '1': empty(0, 64), '2': save('1', 'first'), '3': empty(16_711_680, 32), '4': save('3', 'second') };
}

/** The JobRecord fields these fixtures have no use for. */
export const noTemplateOrBackend = {
  template_id: null,
  template_version: null,
  backend: null,
  backend_version: null,
} as const;
