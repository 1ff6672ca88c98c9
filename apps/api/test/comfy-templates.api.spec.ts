import type { ComfyQueueResponse, ComfyWorkflowRunResponse, Txt2ImgResponse } from '@atelier/contract';
import { loadTemplateLibrary } from '@atelier/workflow';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { quickWorkflow, startComfyHarness, type ComfyHarness, usersQueueGraphs } from './comfy-kit.js';

const repoConfig = fileURLToPath(new URL('../../../config/comfy', import.meta.url));

let harness: ComfyHarness | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
});

describe('the template a job was built from', () => {
  it('is recorded with its version for every route that runs one, and not for a caller’s own graph', async () => {
    harness = await startComfyHarness({
      sim: { stepMs: 2, models: { checkpoints: ['fake-model.safetensors'] } },
      env: usersQueueGraphs,
    });
    const { app } = harness;
    const user = await app.login('user');
    const post = async <T>(path: string, body: object) =>
      (await app.request.post(path).set(user.bearer).send(body).expect(201)).body as T;

    const builtin = await post<Txt2ImgResponse>('/api/comfy/txt2img', { caption: 'x', steps: 1 });
    const preset = await post<Txt2ImgResponse>('/api/comfy/txt2img', {
      caption: 'x',
      steps: 1,
      preset: 'sample_basic_sdxl',
    });
    const workflow = await post<ComfyWorkflowRunResponse>('/api/comfy/workflows/test_pattern/run', {
      params: { width: 8, height: 8 },
    });
    const own = await post<ComfyQueueResponse>('/api/comfy/queue', { workflow: quickWorkflow() });

    const rows = await app.nest
      .get(DataSource)
      .query<{ prompt_id: string; template_id: string | null; template_version: string | null }[]>(
        'SELECT prompt_id, template_id, template_version FROM comfy_jobs',
      );
    const recorded = new Map(rows.map((row) => [row.prompt_id, [row.template_id, row.template_version]]));
    const { templates } = await loadTemplateLibrary({ root: repoConfig });
    const versionOf = (id: string) => templates.find((template) => template.id === id)?.version;
    expect(recorded.get(builtin.prompt_id)).toEqual(['builtin/txt2img', versionOf('builtin/txt2img')]);
    expect(recorded.get(preset.prompt_id)).toEqual([
      'preset/sample_basic_sdxl',
      versionOf('preset/sample_basic_sdxl'),
    ]);
    expect(recorded.get(workflow.prompt_id)).toEqual([
      'workflow/test_pattern',
      versionOf('workflow/test_pattern'),
    ]);
    expect(recorded.get(own.prompt_id)).toEqual([null, null]);
    for (const [, version] of recorded.values())
      if (version !== null) expect(version).toMatch(/^[0-9a-f]{12}$/);
  });
});
