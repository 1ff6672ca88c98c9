import type { GalleryPage, JobListResponse, Txt2ImgResponse, UserSummary } from '@atelier/contract';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { backupTo } from '../src/ops/backup.js';
import { filesUnder, readManifest } from '../src/ops/manifest.js';
import { RestoreRefused, restoreFrom } from '../src/ops/restore.js';
import { comfyEnv, presetFiles, startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, testAdmin, type TestApp } from './test-app.js';

let harness: ComfyHarness;
let scratch: string;
let restored: TestApp | null = null;

beforeEach(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 5 } });
  scratch = await mkdtemp(join(tmpdir(), 'atelier-backup-'));
});

afterEach(async () => {
  await restored?.close();
  restored = null;
  await harness.close();
  await rm(scratch, { recursive: true, force: true });
});

/** The data folder of an empty root dir, as restore sees it (ATELIER_ROOT_DIR only). */
const configOf = (rootDir: string) => loadConfig({ ATELIER_ROOT_DIR: rootDir });

async function populate() {
  const { app } = harness;
  const alice = await app.login('user', 'alice');
  const curator = await app.login('curator', 'cora');
  const queued = await app.request
    .post('/api/comfy/txt2img')
    .set(alice.bearer)
    .send({ caption: 'a lighthouse', width: 64, height: 64, steps: 2 })
    .expect(201);
  const promptId = (queued.body as Txt2ImgResponse).prompt_id;
  await waitFor(
    async () => (await app.request.get('/api/comfy/jobs').set(alice.bearer)).body as JobListResponse,
    (list) => list.items.some((job) => job.prompt_id === promptId && job.status === 'succeeded'),
  );
  await ingest(app, curator, await images.png()).expect(201);
  await ingest(app, curator, await images.noisyPng()).expect(201);
  return { alice, curator, promptId };
}

describe('npm run backup / npm run restore', () => {
  it('restores into an empty folder with the same users, jobs, gallery and sessions', async () => {
    const { app } = harness;
    const { alice, promptId } = await populate();
    const admin = await app.login('admin');
    const usersBefore = (await app.request.get('/api/admin/users').set(admin.bearer).expect(200))
      .body as UserSummary[];
    const jobsBefore = (await app.request.get('/api/comfy/jobs').set(alice.bearer).expect(200))
      .body as JobListResponse;
    const galleryBefore = (await app.request.get('/api/gallery/images').set(alice.bearer).expect(200))
      .body as GalleryPage;
    expect(galleryBefore.items).toHaveLength(2);

    // Online: the server keeps running (and holding the database open in WAL mode) meanwhile.
    const backupDir = join(scratch, 'backup');
    const first = await backupTo(app.config, backupDir);
    expect(first.jwtSecret).toBe('copied');
    const manifest = await readManifest(backupDir);
    const listed = manifest?.files.map((entry) => entry.path) ?? [];
    expect(listed).toContain('data/atelier.sqlite');
    expect(listed).toContain('data/jwt-secret');
    const imageFiles = await filesUnder(app.config.comfy.imageDir);
    expect(imageFiles.length).toBeGreaterThanOrEqual(4); // two images and their sidecars
    for (const name of imageFiles) expect(listed).toContain(`generated/comfy/${name}`);
    for (const entry of manifest?.files ?? []) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(backupDir, 'data/jwt-secret'))).mode & 0o777).toBe(0o600);

    // Incremental: a second run copies the database again, no image.
    const second = await backupTo(app.config, backupDir);
    expect(second).toMatchObject({ copied: 1, unchanged: imageFiles.length, removed: 0 });

    const rootDir = join(scratch, 'restored');
    const report = await restoreFrom(configOf(rootDir), backupDir);
    expect(report.jwtSecret).toBe(true);
    expect((await stat(join(rootDir, 'data/jwt-secret'))).mode & 0o777).toBe(0o600);
    restored = await createTestApp({ rootDir, files: presetFiles, env: comfyEnv(harness.sim.url) });

    // The access token issued before the backup still works: the secret came along.
    const me = await restored.request.get('/api/auth/me').set(alice.bearer).expect(200);
    expect(me.body).toMatchObject({ username: 'alice' });
    const adminAgain = await restored.loginAs(testAdmin.username, testAdmin.password);
    const usersAfter = (await restored.request.get('/api/admin/users').set(adminAgain.bearer).expect(200))
      .body as UserSummary[];
    expect(usersAfter).toEqual(usersBefore);
    const aliceAgain = await restored.loginAs('alice', 'password-of-alice');
    const jobsAfter = (await restored.request.get('/api/comfy/jobs').set(aliceAgain.bearer).expect(200))
      .body as JobListResponse;
    expect(jobsAfter.items.map((job) => [job.prompt_id, job.status])).toEqual(
      jobsBefore.items.map((job) => [job.prompt_id, job.status]),
    );
    expect(jobsAfter.items.map((job) => job.prompt_id)).toContain(promptId);
    const galleryAfter = (
      await restored.request.get('/api/gallery/images').set(aliceAgain.bearer).expect(200)
    ).body as GalleryPage;
    expect(galleryAfter).toEqual(galleryBefore);
    for (const image of galleryAfter.items) {
      const file = await restored.request
        .get(`/api/gallery/images/${image.id}/file`)
        .set(aliceAgain.bearer)
        .buffer(true)
        .expect(200);
      expect(file.headers.etag).toContain(image.sha256);
    }
  }, 30_000);

  it('takes a consistent copy while images are being ingested', async () => {
    const { app } = harness;
    const curator = await app.login('curator');
    const backupDir = join(scratch, 'backup');
    const pngs = await Promise.all(Array.from({ length: 5 }, () => images.noisyPng()));
    const [report] = await Promise.all([
      backupTo(app.config, backupDir),
      ...pngs.map((png) => ingest(app, curator, png).expect(201)),
    ]);
    expect(report.files).toBeGreaterThanOrEqual(2);

    const rootDir = join(scratch, 'restored');
    await restoreFrom(configOf(rootDir), backupDir);
    restored = await createTestApp({ rootDir, files: presetFiles, env: comfyEnv(harness.sim.url) });
    const session = await restored.loginAs('test-curator', 'password-of-test-curator');
    const page = (await restored.request.get('/api/gallery/images').set(session.bearer).expect(200))
      .body as GalleryPage;
    // Whatever the snapshot caught, every image it lists has its file.
    for (const image of page.items) {
      await restored.request.get(`/api/gallery/images/${image.id}/file`).set(session.bearer).expect(200);
    }
  }, 30_000);

  it('refuses a backup whose files do not match their checksums, writing nothing', async () => {
    const { app } = harness;
    await populate();
    const backupDir = join(scratch, 'backup');
    await backupTo(app.config, backupDir);
    const manifest = await readManifest(backupDir);
    const image = manifest?.files.find((entry) => entry.path.endsWith('.png'));
    expect(image).toBeDefined();
    const path = join(backupDir, image?.path ?? '');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(path, bytes);

    const rootDir = join(scratch, 'restored');
    const refused = await restoreFrom(configOf(rootDir), backupDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect((refused as RestoreRefused).problems).toEqual([`${image?.path} does not match its checksum`]);
    expect(await filesUnder(rootDir)).toEqual([]);

    // The next backup compares with the copy itself, so it replaces the damaged one.
    expect(await backupTo(app.config, backupDir)).toMatchObject({ copied: 2 });
    await restoreFrom(configOf(rootDir), backupDir);
    expect(await readFile(join(rootDir, image?.path ?? ''))).toEqual(
      await readFile(join(app.rootDir, image?.path ?? '')),
    );
  });

  it('will not write a backup into a folder that is neither empty nor a backup', async () => {
    const target = join(scratch, 'home');
    await mkdir(target);
    await writeFile(join(target, 'notes.txt'), 'mine');
    await expect(backupTo(harness.app.config, target)).rejects.toThrow(/neither empty nor an Atelier backup/);
    expect(await filesUnder(target)).toEqual(['notes.txt']);
  });

  it('refuses to restore over a data folder that holds a database', async () => {
    const { app } = harness;
    const backupDir = join(scratch, 'backup');
    await backupTo(app.config, backupDir);
    const refused = await restoreFrom(app.config, backupDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect(String(refused)).toMatch(/exists: restore into an empty data folder/);
  });
});
