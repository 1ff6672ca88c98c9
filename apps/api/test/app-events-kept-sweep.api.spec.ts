import type {
  ComfyStatusResponse,
  IngestResponse,
  SweepCreateResponse,
  SweepRequest,
  SweepResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEventMap } from '../src/events/app-events.js';
import { EventBus } from '../src/events/event-bus.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { images, ingest } from './gallery-fixtures.js';

/** The two events webhooks fan out that nothing published before issue 15: a kept image, a finished sweep. */
const repoConfig = fileURLToPath(new URL('../../../config', import.meta.url));
let harness: ComfyHarness;

beforeEach(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 2 }, env: { ATELIER_CONFIG_DIR: repoConfig } });
});

afterEach(async () => {
  await harness.close();
});

function heard<K extends keyof AppEventMap>(name: K): AppEventMap[K][] {
  const seen: AppEventMap[K][] = [];
  harness.app.nest.get(EventBus).subscribe(name, (payload) => {
    seen.push(payload);
  });
  return seen;
}

describe('gallery.image_kept', () => {
  it('is published for a new row only, naming who kept it and who owns it; the same bytes again say nothing', async () => {
    const { app } = harness;
    const user = await app.login('curator');
    const kept = heard('gallery.image_kept');
    const png = await images.png();

    const first = (await ingest(app, user, png).expect(201)).body as IngestResponse;
    expect(kept).toEqual([
      {
        actor: { id: user.user.id, username: user.user.username },
        image: { id: first.image.id, createdBy: user.user.id, promptId: null },
      },
    ]);

    const again = (await ingest(app, user, png).expect(200)).body as IngestResponse;
    expect(again.duplicate).toBe(true);
    expect(kept).toHaveLength(1);
  });
});

describe('sweep.finished', () => {
  it('is published once, when the last cell ends, with the owner and the tally', async () => {
    const { app } = harness;
    const user = await app.login('user');
    const finished = heard('sweep.finished');
    const body: SweepRequest = {
      base: { kind: 'txt2img', params: { caption: 'a red fox', width: 64, height: 64, steps: 2 } },
      axes: [{ param: 'cfg', values: [3, 5, 7] }],
    };
    const created = (await app.request.post('/api/comfy/sweeps').set(user.bearer).send(body).expect(201))
      .body as SweepCreateResponse;

    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/sweeps/${created.sweep_id}`).set(user.bearer).expect(200))
          .body as SweepResponse,
      (sweep) => sweep.cells.every((cell) => cell.status === 'succeeded'),
    );
    await waitFor(
      () => Promise.resolve(finished.length),
      (count) => count > 0,
    );
    expect(finished).toEqual([
      { sweepId: created.sweep_id, ownerId: user.user.id, total: 3, succeeded: 3, failed: 0 },
    ]);

    // A job of no sweep ending announces nothing.
    const alone = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .send({ caption: 'alone', width: 64, height: 64, steps: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${alone.prompt_id}`).set(user.bearer))
          .body as ComfyStatusResponse,
      (status) => status.status === 'succeeded',
    );
    expect(finished).toHaveLength(1);
  });
});
