import type { GalleryImageDetail } from '@atelier/contract';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GalleryParamsBackfill1764500000001 } from '../src/database/migrations/1764500000001-gallery-params-backfill.js';
import { migrations } from '../src/database/migrations/index.js';
import { apiPrompt, search, searchIds } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** Plain images kept before issue 11: enough to cross the backfill's batches of 200 rows. */
const plainCount = 430;

const typed = {
  caption: 'a red lighthouse above a stormy sea',
  negative: 'blurry, watermark',
  seed: 4242,
  steps: 31,
  cfg: 6.5,
  sampler: 'dpmpp_2m',
  loras: ['detail_tweaker_xl.safetensors'],
  lora_weights: [0.6],
  width: 832,
  height: 1216,
};
// The graph that ran it: the builder leaves the checkpoint to the template.
const typedGraph = apiPrompt({
  positive: typed.caption,
  checkpoint: 'juggernaut_xl_v9.safetensors',
  seed: typed.seed,
});
const harbourGraph = apiPrompt({
  positive: 'a quiet harbour with fishing boats at dawn',
  negative: 'people',
  checkpoint: 'dreamshaper_8.safetensors',
  loras: [['film_grain.safetensors', 0.8]],
  sampler: 'euler_ancestral',
  seed: 777,
});

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A database as issue 11 found it (every migration up to GallerySearch, rows with only the old
 * columns filled), then the real app booted on it: the backfill runs at boot like any migration.
 */
describe('migration GalleryParamsBackfill1764500000001', () => {
  let rootDir: string;
  let app: TestApp;
  let viewer: TestSession;
  const ids: Record<'typed' | 'graph' | 'ledger' | 'bare' | 'damaged', number> = {
    typed: 0,
    graph: 0,
    ledger: 0,
    bare: 0,
    damaged: 0,
  };

  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-backfill-'));
    await mkdir(join(rootDir, 'data'));
    const before = migrations.slice(
      0,
      migrations.findIndex((m) => m.name === 'GallerySearch1764500000000') + 1,
    );
    const old = new DataSource({
      type: 'better-sqlite3',
      database: join(rootDir, 'data/atelier.sqlite'),
      migrations: before,
      migrationsTransactionMode: 'each',
    });
    await old.initialize();
    await old.runMigrations();
    const [owner] = await old.query<{ id: number }[]>(
      `INSERT INTO "users" ("username", "password_hash", "role") VALUES ('veteran', 'x', 'curator') RETURNING "id"`,
    );
    const job = (promptId: string, params: unknown, workflow: unknown, template: [string, string]) =>
      old.query(
        `INSERT INTO "comfy_jobs" ("prompt_id", "owner_id", "kind", "status", "comfy_client_id", "workflow",
           "params", "template_id", "template_version") VALUES (?, ?, 'txt2img', 'succeeded', 'c', ?, ?, ?, ?)`,
        [promptId, owner!.id, JSON.stringify(workflow), params && JSON.stringify(params), ...template],
      );
    const image = async (
      name: string,
      row: { prompt_id?: string; params?: unknown; workflow?: string | null },
    ): Promise<number> => {
      const [inserted] = await old.query<{ id: number }[]>(
        `INSERT INTO "gallery_images" ("sha256", "mime", "ext", "bytes", "width", "height", "relative_path",
           "thumbnail_path", "prompt_id", "params_json", "workflow_json", "created_by", "created_at")
         VALUES (?, 'image/png', 'png', 100, 64, 48, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
        [
          sha(name),
          `2026/01/${name}.png`,
          `thumbs/${name}.webp`,
          row.prompt_id ?? null,
          row.params === undefined ? null : JSON.stringify(row.params),
          row.workflow ?? null,
          owner!.id,
          new Date(Date.UTC(2026, 0, 1)).toISOString(),
        ],
      );
      return inserted!.id;
    };
    for (let n = 0; n < plainCount; n++) await image(`plain-${n}`, {});
    await job('job-typed', typed, typedGraph, ['builtin/txt2img', 'v-typed']);
    await job('job-ledger', null, harbourGraph, ['preset/sample_basic_sdxl', 'v-preset']);
    ids.typed = await image('typed', {
      prompt_id: 'job-typed',
      params: typed,
      workflow: JSON.stringify(typedGraph),
    });
    ids.graph = await image('graph', { workflow: JSON.stringify(harbourGraph) });
    // Kept from a job whose graph only the ledger holds (an upload that named its prompt id).
    ids.ledger = await image('ledger', { prompt_id: 'job-ledger' });
    ids.bare = await image('bare', {});
    ids.damaged = await image('damaged', { workflow: '{"3": {"class_type": "KSa' });
    await old.destroy();

    app = await createTestApp({ rootDir });
    viewer = await app.login('user');
  });

  afterAll(async () => {
    await app?.close();
    await rm(rootDir, { recursive: true, force: true });
  });

  const detail = async (id: number): Promise<GalleryImageDetail> =>
    (await app.request.get(`/api/gallery/images/${id}`).set(viewer.bearer).expect(200))
      .body as GalleryImageDetail;

  it('reads a txt2img request first, the graph filling what it leaves out, the ledger its template', async () => {
    expect((await detail(ids.typed)).params).toEqual({
      positive: typed.caption,
      negative: typed.negative,
      checkpoint: 'juggernaut_xl_v9.safetensors',
      loras: [{ name: 'detail_tweaker_xl.safetensors', weight: 0.6 }],
      sampler: 'dpmpp_2m',
      scheduler: 'normal',
      steps: 31,
      cfg: 6.5,
      seed: 4242,
      denoise: 1,
      width: 832,
      height: 1216,
      template_id: 'builtin/txt2img',
      template_version: 'v-typed',
      backend: null,
      backend_version: null,
      source: 'params',
    });
  });

  it('walks the API prompt of an image without typed parameters, its own or its job’s', async () => {
    for (const id of [ids.graph, ids.ledger]) {
      expect((await detail(id)).params).toMatchObject({
        positive: 'a quiet harbour with fishing boats at dawn',
        negative: 'people',
        checkpoint: 'dreamshaper_8.safetensors',
        loras: [{ name: 'film_grain.safetensors', weight: 0.8 }],
        sampler: 'euler_ancestral',
        seed: 777,
        source: 'graph',
      });
    }
    expect((await detail(ids.ledger)).params).toMatchObject({
      template_id: 'preset/sample_basic_sdxl',
      template_version: 'v-preset',
    });
    expect((await detail(ids.graph)).params.template_id).toBeNull();
  });

  it('leaves an image with neither, or with a damaged workflow, unknown', async () => {
    for (const id of [ids.bare, ids.damaged]) {
      const { params } = await detail(id);
      expect(params.source).toBe('none');
      expect(params.positive).toBeNull();
      expect(params.checkpoint).toBeNull();
      expect(params.loras).toEqual([]);
    }
  });

  it('makes the backfilled images findable by prompt words, model:, lora: and seed:', async () => {
    expect(await searchIds(app, viewer, { q: 'lighthouse stormy' })).toEqual([ids.typed]);
    expect(await searchIds(app, viewer, { q: 'harbour' })).toEqual([ids.ledger, ids.graph]);
    expect(await searchIds(app, viewer, { q: 'neg:watermark' })).toEqual([ids.typed]);
    expect(await searchIds(app, viewer, { q: 'model:juggernaut' })).toEqual([ids.typed]);
    expect(await searchIds(app, viewer, { q: 'model:dreamshaper' })).toEqual([ids.ledger, ids.graph]);
    expect(await searchIds(app, viewer, { q: 'lora:detail_tweaker' })).toEqual([ids.typed]);
    expect(await searchIds(app, viewer, { lora: 'film_grain.safetensors' })).toEqual([ids.ledger, ids.graph]);
    expect(await searchIds(app, viewer, { q: 'seed:4242' })).toEqual([ids.typed]);
    expect(await searchIds(app, viewer, { seed: 777, sampler: 'euler_ancestral' })).toEqual([
      ids.ledger,
      ids.graph,
    ]);
  });

  it('gives every row, in every batch, its full-text row (the file name) and a random shuffle key', async () => {
    expect(await searchIds(app, viewer, { q: sha('bare') })).toEqual([ids.bare]);
    expect(await searchIds(app, viewer, { q: sha('plain-3') })).toHaveLength(1);
    expect(await searchIds(app, viewer, { q: sha(`plain-${plainCount - 1}`) })).toHaveLength(1);
    const everyFile = await search(app, viewer, { q: 'png', stacks: 0, limit: 1 });
    expect(everyFile.total_estimate).toBe(plainCount + 5);
    const [keys] = await app.nest
      .get(DataSource)
      .query<{ zero: number; distinct: number }[]>(
        `SELECT sum("shuffle" = 0) AS "zero", count(DISTINCT "shuffle") AS "distinct" FROM "gallery_images"`,
      );
    expect(keys).toEqual({ zero: 0, distinct: expect.any(Number) as number });
    expect(keys!.distinct).toBeGreaterThan(plainCount);
  });

  it('runs again (a backfill cut short is redone at the next boot) without changing or doubling anything', async () => {
    const before = await detail(ids.typed);
    const runner = app.nest.get(DataSource).createQueryRunner();
    try {
      await new GalleryParamsBackfill1764500000001().up(runner);
    } finally {
      await runner.release();
    }
    expect((await detail(ids.typed)).params).toEqual(before.params);
    expect(await searchIds(app, viewer, { q: 'lighthouse' })).toEqual([ids.typed]);
    expect((await search(app, viewer, { q: 'png', stacks: 0, limit: 1 })).total_estimate).toBe(
      plainCount + 5,
    );
  });

  it('records has_workflow from the stored workflow only', async () => {
    expect(await searchIds(app, viewer, { has_workflow: 'true' })).toEqual([
      ids.damaged,
      ids.graph,
      ids.typed,
    ]);
  });
});
