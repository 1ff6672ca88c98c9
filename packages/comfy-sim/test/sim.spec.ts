import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultTxt2ImgGraph } from '@atelier/workflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { encodePng, FAIL_MARKER, readPngInfo, startComfySim, type ComfySim } from '../src/index.js';
import type { Json } from './support/transcripts.js';
import { isDone, WsRecorder, type Frame } from './support/ws-recorder.js';

/** Our default txt2img graph, small and fast, with a LoRA between the checkpoint and the sampler. */
const txt2img = (
  seed: number,
  opts: {
    steps?: number;
    width?: number;
    height?: number;
    batch?: number;
    prefix?: string;
    text?: string;
  } = {},
) => {
  const graph = defaultTxt2ImgGraph(opts.prefix ?? 'gen');
  Object.assign(graph['3']!.inputs, {
    seed,
    steps: opts.steps ?? 3,
    cfg: 7,
    sampler_name: 'euler',
    scheduler: 'normal',
    model: ['10', 0],
  });
  graph['4']!.inputs.ckpt_name = 'v1-5-pruned-emaonly.ckpt';
  Object.assign(graph['5']!.inputs, {
    width: opts.width ?? 64,
    height: opts.height ?? 48,
    batch_size: opts.batch ?? 1,
  });
  graph['6']!.inputs.text = opts.text ?? 'a cat';
  graph['7']!.inputs.text = '';
  graph['10'] = {
    class_type: 'LoraLoader',
    inputs: {
      model: ['4', 0],
      clip: ['4', 1],
      lora_name: 'sim-watercolor.safetensors',
      strength_model: 1,
      strength_clip: 1,
    },
  };
  return graph;
};

const types = (frames: Frame[]): string[] =>
  frames.map((f) => (f.frame === 'binary' ? 'binary' : String(f.message.type)));

describe('simulated execution', () => {
  let sim: ComfySim;
  let ws: WsRecorder;

  beforeEach(async () => {
    sim = await startComfySim({ stepMs: 1 });
    ws = await WsRecorder.open(sim.url, 'me');
  });

  afterEach(async () => {
    await ws.close();
    await sim.close();
  });

  async function run(
    prompt: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; frames: Frame[]; history: Json }> {
    const mark = ws.mark();
    const res = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({ prompt, client_id: 'me', ...extra }),
    });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    await ws.waitFor(isDone(body.prompt_id), mark);
    const history = ((await (await fetch(`${sim.url}/history/${body.prompt_id}`)).json()) as Json)[
      body.prompt_id
    ];
    return { id: body.prompt_id, frames: ws.since(mark), history };
  }

  it('runs a txt2img graph: progress per step with PNG previews, then a real PNG of the latent size', async () => {
    const { frames, history } = await run(txt2img(42, { steps: 4, width: 64, height: 48 }), {
      extra_data: { extra_pnginfo: { workflow: { nodes: [], version: 0.4 } } },
    });
    const progress = frames
      .filter((f) => f.frame === 'text' && f.message.type === 'progress')
      .map((f: Json) => f.message.data);
    expect(progress.map((p) => [p.value, p.max, p.node])).toEqual([1, 2, 3, 4].map((v) => [v, 4, '3']));
    const seq = types(frames).filter((t) => t === 'progress' || t === 'binary');
    expect(seq).toEqual([
      'progress',
      'binary',
      'progress',
      'binary',
      'progress',
      'binary',
      'progress',
      'binary',
    ]);
    const preview = frames.find((f) => f.frame === 'binary') as Extract<Frame, { frame: 'binary' }>;
    expect([preview.event_type_u32be, preview.image_format_u32be]).toEqual([1, 2]);
    expect(preview.first_24_bytes_hex.slice(16, 24)).toBe('89504e47');

    expect(history.status.status_str).toBe('success');
    const [image] = history.outputs['9'].images;
    expect(image).toEqual({ filename: 'gen_00001_.png', subfolder: '', type: 'output' });
    const png = readFileSync(join(sim.dataDir, 'output', image.filename));
    const info = readPngInfo(png);
    expect([info.width, info.height]).toEqual([64, 48]);
    expect(JSON.parse(info.texts['prompt'] ?? '{}')['3'].inputs.seed).toBe(42);
    expect(JSON.parse(info.texts['workflow'] ?? '{}')).toEqual({ nodes: [], version: 0.4 });
  });

  it('draws the same pixels for the same seed and different ones for another seed', async () => {
    const a = await run(txt2img(7, { prefix: 'a' }));
    const b = await run(txt2img(7, { prefix: 'b', text: 'another prompt' }));
    const c = await run(txt2img(8, { prefix: 'c' }));
    const pixels = (h: Json): string => {
      const buf = readFileSync(join(sim.dataDir, 'output', h.outputs['9'].images[0].filename));
      // Compare IDAT only: the prompt text chunk differs between runs.
      return buf.subarray(buf.indexOf('IDAT') - 4).toString('hex');
    };
    expect(pixels(a.history)).toBe(pixels(b.history));
    expect(pixels(c.history)).not.toBe(pixels(a.history));
  });

  it('writes one file per batch image and numbers them like ComfyUI', async () => {
    const { history } = await run(txt2img(1, { batch: 3, prefix: 'batch/%width%x%height%' }));
    expect(history.outputs['9'].images).toEqual(
      [1, 2, 3].map((n) => ({ filename: `64x48_0000${n}_.png`, subfolder: 'batch', type: 'output' })),
    );
  });

  it('runs img2img and inpainting graphs: the latent takes the image size, a repeated batch gives one file each', async () => {
    mkdirSync(join(sim.dataDir, 'input', 'sub'), { recursive: true });
    const source = encodePng({
      width: 64,
      height: 48,
      channels: 3,
      data: new Uint8Array(64 * 48 * 3).fill(200),
    });
    writeFileSync(join(sim.dataDir, 'input', 'sub', 'src.png'), source);
    const graph = txt2img(3, { prefix: 'img' }) as Record<string, { class_type: string; inputs: Json }>;
    delete graph['5'];
    Object.assign(graph, {
      '20': { class_type: 'LoadImage', inputs: { image: 'sub/src.png' } },
      '21': { class_type: 'VAEEncode', inputs: { pixels: ['20', 0], vae: ['4', 2] } },
      '22': { class_type: 'SetLatentNoiseMask', inputs: { samples: ['21', 0], mask: ['20', 1] } },
      '23': { class_type: 'RepeatLatentBatch', inputs: { samples: ['22', 0], amount: 2 } },
    });
    (graph['3'] as { inputs: Json }).inputs.latent_image = ['23', 0];
    const { history } = await run(graph);
    expect(history.status.status_str).toBe('success');
    const images = history.outputs['9'].images as { filename: string }[];
    expect(images.map((image) => image.filename)).toEqual(['img_00001_.png', 'img_00002_.png']);
    const info = readPngInfo(readFileSync(join(sim.dataDir, 'output', images[0]?.filename ?? '')));
    expect([info.width, info.height]).toEqual([64, 48]);
  });

  it('omits preview frames when previews are off', async () => {
    const quiet = await startComfySim({ stepMs: 1, previews: false });
    const qws = await WsRecorder.open(quiet.url, 'q');
    try {
      const res = await fetch(`${quiet.url}/prompt`, {
        method: 'POST',
        body: JSON.stringify({ prompt: txt2img(3), client_id: 'q' }),
      });
      const { prompt_id } = (await res.json()) as { prompt_id: string };
      await qws.waitFor(isDone(prompt_id));
      expect(types(qws.frames)).toContain('progress');
      expect(types(qws.frames)).not.toContain('binary');
    } finally {
      await qws.close();
      await quiet.close();
    }
  });

  it(`fails a node whose string input contains ${FAIL_MARKER}`, async () => {
    const { frames, history } = await run(txt2img(5, { text: `make it ${FAIL_MARKER}` }));
    const err = frames.find((f) => f.frame === 'text' && f.message.type === 'execution_error') as Json;
    expect(err.message.data).toMatchObject({
      node_id: '6',
      node_type: 'CLIPTextEncode',
      exception_type: 'RuntimeError',
    });
    expect(history.status).toMatchObject({ status_str: 'error', completed: false });
    expect(types(frames).slice(-3)).toEqual(['execution_error', 'status', 'executing']);
  });

  it('interrupts between sampler steps', async () => {
    sim.setStepMs(30);
    const mark = ws.mark();
    const res = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({ prompt: txt2img(9, { steps: 50 }), client_id: 'me' }),
    });
    const { prompt_id } = (await res.json()) as { prompt_id: string };
    await ws.waitForType('progress', mark, (d) => d.value === 2);
    expect((await fetch(`${sim.url}/interrupt`, { method: 'POST' })).status).toBe(200);
    await ws.waitFor(isDone(prompt_id), mark);
    const frames = ws.since(mark);
    const interrupted = frames.find(
      (f) => f.frame === 'text' && f.message.type === 'execution_interrupted',
    ) as Json;
    expect(interrupted.message.data.node_id).toBe('3');
    expect(frames.filter((f) => f.frame === 'text' && f.message.type === 'progress').length).toBeLessThan(10);
  });

  it('sends execution_interrupted to everybody for a prompt without client_id', async () => {
    const other = await WsRecorder.open(sim.url, 'other');
    try {
      sim.setStepMs(200);
      await fetch(`${sim.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt: txt2img(2) }) });
      await new Promise((r) => setTimeout(r, 50));
      await fetch(`${sim.url}/interrupt`, { method: 'POST' });
      sim.setStepMs(1);
      for (const s of [ws, other]) await s.waitForType('execution_interrupted');
      expect(types(other.frames).filter((t) => t !== 'status' && t !== 'progress' && t !== 'binary')).toEqual(
        ['execution_interrupted'],
      );
    } finally {
      await other.close();
    }
  });

  it('lists uploads for LoadImage, model files from the data dir, and validates model names', async () => {
    mkdirSync(join(sim.dataDir, 'models', 'loras'), { recursive: true });
    writeFileSync(join(sim.dataDir, 'models', 'loras', 'mine.safetensors'), 'x');
    const loras = (await (await fetch(`${sim.url}/models/loras`)).json()) as string[];
    expect(loras).toContain('mine.safetensors');
    const info = (await (await fetch(`${sim.url}/object_info/LoraLoader`)).json()) as Json;
    expect(info.LoraLoader.input.required.lora_name[0]).toContain('mine.safetensors');

    const bad = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          ...txt2img(1),
          '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'nope.safetensors' } },
        },
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).node_errors['4'].errors[0].type).toBe('value_not_in_list');
  });

  it('reports upstream exceptions and cycles the way validate_prompt does', async () => {
    const inner = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': { class_type: 'ImageInvert', inputs: { image: ['404', 0] } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
        },
      }),
    });
    const innerBody = (await inner.json()) as Json;
    expect(inner.status).toBe(400);
    expect(innerBody.node_errors['1'].errors[0]).toMatchObject({
      type: 'exception_during_inner_validation',
      details: "'404'",
    });

    const cycle = await fetch(`${sim.url}/prompt`, {
      method: 'POST',
      body: JSON.stringify({
        prompt: {
          '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
          '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
          '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
        },
      }),
    });
    // Upstream recurses until RecursionError; outer frames then overwrite the verdicts, leaving no node errors.
    expect(cycle.status).toBe(400);
    expect(await cycle.json()).toEqual({
      error: {
        type: 'prompt_outputs_failed_validation',
        message: 'Prompt outputs failed validation',
        details: '',
        extra_info: {},
      },
      node_errors: {},
    });
  });

  it('serves HEAD for GET routes and 404/405 like aiohttp', async () => {
    const head = await fetch(`${sim.url}/api/queue`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const missing = await fetch(`${sim.url}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, '404: Not Found']);
    const wrong = await fetch(`${sim.url}/interrupt`);
    expect(wrong.status).toBe(405);
  });

  it('counts the POST /prompt that queued each prompt id (repeats too, rejected ones not), across a restart', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${sim.url}/prompt`, { method: 'POST', body: JSON.stringify(body) }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as Json,
      }));
    expect((await post({ prompt: txt2img(1), prompt_id: 'twice' })).status).toBe(200);
    expect((await post({ prompt: txt2img(2), prompt_id: 'once' })).status).toBe(200);
    expect((await post({ prompt: txt2img(3), prompt_id: 'twice' })).status).toBe(200);
    // Invalid: answered 400 and never queued, so not counted.
    expect(
      (await post({ prompt: { '1': { class_type: 'Nope', inputs: {} } }, prompt_id: 'bad' })).status,
    ).toBe(400);
    const picked = await post({ prompt: txt2img(4) });
    await sim.restart();
    expect(sim.postedCount('twice')).toBe(2);
    expect(sim.postedCount('once')).toBe(1);
    expect(sim.postedCount('bad')).toBe(0);
    expect(sim.postedCount(picked.body.prompt_id)).toBe(1);
    expect(sim.postedPromptIds()).toEqual(['twice', 'once', 'twice', picked.body.prompt_id]);
  });
});

describe('/view conditional requests (aiohttp FileResponse)', () => {
  let sim: ComfySim;

  beforeEach(async () => {
    sim = await startComfySim({ stepMs: 1 });
    writeFileSync(
      join(sim.dataDir, 'output', 'cond.png'),
      encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(12) }),
    );
  });

  afterEach(async () => {
    await sim.close();
  });

  const view = (headers: Record<string, string> = {}) =>
    fetch(`${sim.url}/view?filename=cond.png&type=output`, { headers });

  it('answers If-None-Match with 304, its ETag and no body, and a changed file with 200', async () => {
    const first = await view();
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    await first.arrayBuffer();

    const same = await view({ 'If-None-Match': etag });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(etag);
    expect(same.headers.get('last-modified')).toBe(lastModified);
    expect(await same.text()).toBe('');
    expect((await view({ 'If-None-Match': `"other", ${etag}` })).status).toBe(304);
    expect((await view({ 'If-None-Match': '"other"' })).status).toBe(200);

    writeFileSync(
      join(sim.dataDir, 'output', 'cond.png'),
      encodePng({ width: 3, height: 3, channels: 3, data: new Uint8Array(27) }),
    );
    const changed = await view({ 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(readPngInfo(Buffer.from(await changed.arrayBuffer()))).toMatchObject({ width: 3 });
  });

  it('answers If-Modified-Since with 304 unless the file is newer; If-None-Match wins over it', async () => {
    const first = await view();
    const lastModified = first.headers.get('last-modified') ?? '';
    await first.arrayBuffer();
    expect((await view({ 'If-Modified-Since': lastModified })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await view({ 'If-Modified-Since': earlier })).status).toBe(200);
    const both = await view({ 'If-Modified-Since': lastModified, 'If-None-Match': '"other"' });
    expect(both.status).toBe(200);
  });
});
