import { expect, type APIRequestContext } from '@playwright/test';

/** One generation to keep in the gallery: txt2img parameters as POST /api/comfy/txt2img takes them. */
export interface SeedJob {
  caption: string;
  checkpoint: string;
  batch_size?: number;
  loras?: string[];
  seed?: number;
}

/**
 * Puts images in the gallery the way the app does: generate with the simulator, wait for the job,
 * then keep its images (POST /api/comfy/ingest/from-job). Small and two steps, so it is quick.
 */
export async function seedGallery(api: APIRequestContext, jobs: readonly SeedJob[]): Promise<void> {
  for (const job of jobs) {
    const queued = await api.post('/api/comfy/txt2img', {
      data: { width: 64, height: 64, steps: 2, seed: 1234, ...job },
    });
    expect(queued.ok(), `txt2img ${job.caption}: ${await queued.text()}`).toBe(true);
    const { prompt_id: promptId } = (await queued.json()) as { prompt_id: string };
    await expect
      .poll(
        async () =>
          ((await (await api.get(`/api/comfy/status/${promptId}`)).json()) as { status: string }).status,
        { timeout: 30_000 },
      )
      .toBe('succeeded');
    const kept = await api.post('/api/comfy/ingest/from-job', { data: { prompt_id: promptId } });
    expect(kept.ok(), `ingest ${job.caption}: ${await kept.text()}`).toBe(true);
  }
}
