/**
 * Conformance: replays the recorded ComfyUI session (test/recordings, in its capture order)
 * against one simulator and compares every exchange — status, content type, the headers that
 * matter, body shapes and normalised bodies; WebSocket transcripts by message types, order and
 * normalised content. Each act names the transcript files it covers; the last test checks that
 * together they cover every file in the directory.
 */
import { gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startComfySim, type ComfySim } from '../src/index.js';
import { encodePng } from '../src/png.js';
import { dumpsPy, parsePyJson } from '../src/py-json.js';
import { normalise, shape } from './support/compare.js';
import { Replayer } from './support/replay.js';
import { allTranscriptFiles, transcript, transcriptBytes, type Json } from './support/transcripts.js';
import {
  frameType,
  isDone,
  isIdleStatus,
  recordedFrame,
  WsRecorder,
  type Frame,
} from './support/ws-recorder.js';

interface Act {
  name: string;
  covers: string[];
  run: () => Promise<void>;
}

let sim: ComfySim;
let rp: Replayer;
/** Sockets of the recorded session: gallery-A (later replaced by R), observer-B, and one without clientId. */
const sockets: Record<'A' | 'B' | 'N' | 'R', WsRecorder | undefined> = {
  A: undefined,
  B: undefined,
  N: undefined,
  R: undefined,
};
const sock = (k: keyof typeof sockets): WsRecorder => {
  const s = sockets[k];
  if (!s) throw new Error(`socket ${k} not open`);
  return s;
};
/** The socket that currently receives gallery-A's frames (A until R replaces it). */
let galleryA: keyof typeof sockets = 'A';

beforeAll(async () => {
  // `models: {}`: the recording server had no model files, so model combos are empty there too.
  sim = await startComfySim({ stepMs: 2, models: {} });
  rp = new Replayer(sim);
});

afterAll(async () => {
  for (const s of Object.values(sockets)) await s?.close();
  await sim.close();
});

/** Compares live frames with recorded ones: same message types in the same order, same normalised content. */
function compareFrames(file: string, actual: Frame[], recorded: Json[]): void {
  const expected = recorded.map(recordedFrame);
  expect(actual.map(frameType), `${file}: message types`).toEqual(expected.map(frameType));
  expect(
    actual.map((f) => shape(f)),
    `${file}: shapes`,
  ).toEqual(expected.map((f) => shape(f)));
  expect(
    actual.map((f) => normalise(f, rp.norm)),
    `${file}: frames`,
  ).toEqual(expected.map((f) => normalise(f, rp.norm)));
}

/** POSTs a prompt the session sent without a transcript of its own (its body is known from another file). */
async function postPrompt(
  prompt: unknown,
  clientId?: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const body = { prompt, ...(clientId === undefined ? {} : { client_id: clientId }), ...extra };
  const res = await fetch(`${sim.url}/prompt`, { method: 'POST', body: dumpsPy(body) });
  const json = parsePyJson(await res.text()) as { prompt_id: string };
  expect(res.status).toBe(200);
  return json.prompt_id;
}

/** POSTs a recorded accepted prompt, checks the answer, and maps the recorded prompt id to ours. */
async function checkAccepted(file: string): Promise<string> {
  const r = await rp.check(file);
  rp.map.set(transcript(file).response.json.prompt_id as string, r.json.prompt_id as string);
  expect(r.json.number, `${file}: number`).toEqual(transcript(file).response.json.number);
  return r.json.prompt_id as string;
}

async function waitForHistory(promptId: string): Promise<Json> {
  for (let i = 0; i < 500; i++) {
    const h = (await (await fetch(`${sim.url}/history/${promptId}`)).json()) as Record<string, unknown>;
    if (h[promptId]) return h[promptId];
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`prompt ${promptId} never reached the history`);
}

/** An upload body: a real PNG of exactly `length` bytes (the transcripts record only lengths). */
function pngOfLength(length: number, rgb: [number, number, number]): Buffer {
  const data = new Uint8Array(2 * 2 * 3).map((_, i) => rgb[i % 3] ?? 0);
  const base = encodePng({ width: 2, height: 2, channels: 3, data }, { level: 9 });
  const padding = length - base.length - 12 - 'Comment'.length - 1;
  if (padding < 0) throw new Error('PNG too large for the requested length');
  return encodePng(
    { width: 2, height: 2, channels: 3, data },
    { level: 9, texts: [['Comment', 'x'.repeat(padding)]] },
  );
}

function multipart(parts: { name: string; filename?: string; data: Buffer | string }[]): {
  data: Buffer;
  contentType: string;
} {
  const boundary = '----WebKitFormBoundaryRealComfyGolden';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const type = p.filename === undefined ? '' : 'Content-Type: image/png\r\n';
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${type}\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { data: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function uploadFile(file: string, data: Buffer): { data: Buffer; contentType: string } {
  const mp = transcript(file).request.multipart;
  expect(data.length, `${file}: upload length`).toBe(Number(mp.file_length ?? data.length));
  const parts: { name: string; filename?: string; data: Buffer | string }[] = Object.entries(
    mp.fields as Record<string, string>,
  ).map(([name, value]) => ({ name, data: value }));
  if (mp.file_field !== null)
    parts.push({ name: mp.file_field as string, filename: mp.filename as string, data });
  return multipart(parts);
}

const UPLOAD_A = pngOfLength(95, [200, 40, 40]);
const UPLOAD_B = pngOfLength(95, [40, 200, 40]);
const UPLOAD_C = pngOfLength(95, [40, 40, 200]);
const UPLOAD_SUB = pngOfLength(95, [250, 250, 20]);

/** Sockets that only observe gallery-A's runs (they receive its status broadcasts). */
const bystanders = (): WsRecorder[] => (['B', 'N'] as const).flatMap((k) => sockets[k] ?? []);

/** Runs a prompt for gallery-A and compares its socket's frames with `wsFile` (and observers' with theirs). */
async function runAndCompare(
  wsFile: string,
  post: () => Promise<string>,
  observers: [keyof typeof sockets, string, string][] = [],
): Promise<string> {
  const a = sock(galleryA);
  const markA = a.mark();
  const marks = observers.map(([k]) => sock(k).mark());
  const others = bystanders().map((s) => [s, s.mark()] as const);
  const id = await post();
  await a.waitFor(isDone(id), markA);
  compareFrames(wsFile, a.since(markA), transcript(wsFile).frames);
  for (const [i, [k, file, field]] of observers.entries()) {
    await sock(k).waitFor(isIdleStatus, marks[i]);
    compareFrames(file, sock(k).since(marks[i] ?? 0), transcript(file)[field]);
  }
  // Let every bystander see the run's last status before the next act marks its sockets.
  for (const [s, mark] of others) await s.waitFor(isIdleStatus, mark);
  return id;
}

const simple = (files: string[], opts: Parameters<Replayer['check']>[1] = {}): Act[] =>
  files.map((f) => ({ name: f, covers: [f], run: async () => void (await rp.check(f, opts)) }));

const acts: Act[] = [
  ...simple(['http/system_stats.json', 'http/api_prefix_system_stats.json'], { exact: false }),
  {
    name: 'GET /object_info is byte-identical to the recording',
    covers: ['object_info.json.gz', 'http/object_info.headers.json'],
    run: async () => {
      const t = transcript('http/object_info.headers.json');
      const r = await rp.send(t.request);
      rp.compare(
        'http/object_info.headers.json',
        { ...t.response, json: undefined },
        { ...r, json: undefined },
      );
      expect(r.body.length).toBe(Number(t.response.body_length));
      expect(Object.keys(r.json as object)).toHaveLength(Number(t.response.node_count));
      expect(r.body.equals(gunzipSync(transcriptBytes('object_info.json.gz')))).toBe(true);
    },
  },
  ...simple([
    'http/object_info_SaveImage.json',
    'http/object_info_unknown_class.json',
    'http/object_info_EmptyImage.json',
    'http/object_info_LoadImage.json',
    'http/object_info_PreviewImage.json',
    'http/object_info_ImageBlur.json',
    'http/object_info_ImageScale.json',
    'http/object_info_KSampler.json',
    'http/queue_get_idle.json',
    'http/prompt_get_idle.json',
    'http/history_get_empty.json',
  ]),
  {
    name: 'WS: first frame is status with the sid (given or generated)',
    covers: ['ws/on_connect_with_clientId.json', 'ws/on_connect_without_clientId.json'],
    run: async () => {
      sockets.A = await WsRecorder.open(sim.url, 'gallery-A');
      sockets.N = await WsRecorder.open(sim.url);
      sockets.B = await WsRecorder.open(sim.url, 'observer-B');
      for (const k of ['A', 'N', 'B'] as const) await sock(k).waitForType('status');
      compareFrames(
        'ws/on_connect_with_clientId.json',
        sock('A').since(0),
        transcript('ws/on_connect_with_clientId.json'),
      );
      compareFrames(
        'ws/on_connect_without_clientId.json',
        sock('N').since(0),
        transcript('ws/on_connect_without_clientId.json'),
      );
      expect((sock('A').frames[0] as Json).message.data.sid).toBe('gallery-A');
      expect((sock('N').frames[0] as Json).message.data.sid).toMatch(/^[0-9a-f]{32}$/);
    },
  },
  {
    name: 'a successful run: accepted, message sequence, observer sees only status, history',
    covers: [
      'http/prompt_post_accepted.json',
      'ws/run_success.json',
      'ws/observer_other_clients_run.json',
      'http/history_get_id_success.json',
    ],
    run: async () => {
      const id = await runAndCompare(
        'ws/run_success.json',
        () => checkAccepted('http/prompt_post_accepted.json'),
        [['B', 'ws/observer_other_clients_run.json', 'frames']],
      );
      const h = (await rp.check('http/history_get_id_success.json')).json;
      // The preview's random temp name is ours; later /view transcripts use the recorded one.
      rp.map.set('ComfyUI_temp_cbkck_00001_.png', h[id].outputs['7'].images[0].filename as string);
    },
  },
  {
    name: 'an identical rerun is served from the cache',
    covers: [
      'http/prompt_post_accepted_rerun.json',
      'ws/run_cached_rerun.json',
      'http/history_get_id_cached_rerun.json',
    ],
    run: async () => {
      await runAndCompare('ws/run_cached_rerun.json', () =>
        checkAccepted('http/prompt_post_accepted_rerun.json'),
      );
      await rp.check('http/history_get_id_cached_rerun.json');
    },
  },
  {
    name: 'a runtime error (ImageBlend of RGB with RGBA)',
    covers: [
      'http/prompt_post_accepted_will_fail_at_runtime.json',
      'ws/run_execution_error.json',
      'ws/observer_other_clients_error.json',
      'http/history_get_id_execution_error.json',
    ],
    run: async () => {
      await runAndCompare(
        'ws/run_execution_error.json',
        () => checkAccepted('http/prompt_post_accepted_will_fail_at_runtime.json'),
        [['B', 'ws/observer_other_clients_error.json', 'frames']],
      );
      await rp.check('http/history_get_id_execution_error.json');
    },
  },
  {
    name: 'SaveImageWebsocket pushes progress + PNG binary frames',
    covers: ['ws/run_binary_frames_SaveImageWebsocket.json'],
    run: async () => {
      const t = transcript('ws/run_binary_frames_SaveImageWebsocket.json');
      await runAndCompare('ws/run_binary_frames_SaveImageWebsocket.json', async () => {
        const id = await postPrompt(t.prompt, 'gallery-A');
        rp.map.set(t.prompt_id as string, id);
        return id;
      });
    },
  },
  {
    name: 'a prompt without client_id: everybody gets only status',
    covers: ['http/prompt_post_accepted_no_client_id.json', 'ws/run_without_client_id_seen_by_others.json'],
    run: async () => {
      const file = 'ws/run_without_client_id_seen_by_others.json';
      const marks = { A: sock('A').mark(), B: sock('B').mark(), N: sock('N').mark() };
      const id = await checkAccepted('http/prompt_post_accepted_no_client_id.json');
      await waitForHistory(id);
      for (const [k, field] of [
        ['A', 'frames_A'],
        ['B', 'frames_B'],
        ['N', 'frames_no_clientId_socket'],
      ] as const) {
        await sock(k).waitFor(isIdleStatus, marks[k]);
        compareFrames(`${file} ${field}`, sock(k).since(marks[k]), transcript(file)[field]);
      }
    },
  },
  {
    name: 'extra_data is kept and client_id merged into it',
    covers: ['http/prompt_post_accepted_extra_data.json', 'http/history_get_id_with_extra_data.json'],
    run: async () => {
      const others = bystanders().map((s) => [s, s.mark()] as const);
      const id = await checkAccepted('http/prompt_post_accepted_extra_data.json');
      await sock('A').waitFor(isDone(id));
      for (const [s, mark] of others) await s.waitFor(isIdleStatus, mark);
      await rp.check('http/history_get_id_with_extra_data.json');
    },
  },
  {
    name: 'a long job: queue while busy, front/number priorities, reconnect, delete, clear, interrupt',
    covers: [
      'http/prompt_post_accepted_while_busy.json',
      'http/prompt_post_accepted_front.json',
      'http/prompt_post_accepted_number.json',
      'http/queue_get_running.json',
      'http/prompt_get_running.json',
      'ws/reconnect_same_clientId_during_run.json',
      'http/queue_post_delete.json',
      'http/queue_get_after_delete.json',
      'http/queue_post_delete_unknown.json',
      'http/queue_post_delete_running.json',
      'http/queue_post_clear.json',
      'http/queue_get_after_clear.json',
      'http/interrupt_post.json',
      'ws/run_interrupted.json',
      'http/history_get_id_interrupted.json',
    ],
    run: async () => {
      const running = transcript('http/queue_get_running.json').response.json;
      const [longItem] = running.queue_running;
      const observerItem = running.queue_pending.find((i: Json[]) => i[3].client_id === 'observer-B');
      const a = sock('A');
      const b = sock('B');
      const markA = a.mark();
      const markB = b.mark();
      const markN = sock('N').mark();
      sim.setStepMs(100);
      const longId = await postPrompt(longItem[2], 'gallery-A');
      rp.map.set(longItem[1] as string, longId);
      // Freeze the job inside node 101 (setStepMs re-times the running step), as the recording did.
      await a.waitForType('executing', markA, (d) => d.node === '101');
      sim.setStepMs(60_000);

      await checkAccepted('http/prompt_post_accepted_while_busy.json');
      await checkAccepted('http/prompt_post_accepted_front.json');
      await checkAccepted('http/prompt_post_accepted_number.json');
      rp.map.set(observerItem[1] as string, await postPrompt(observerItem[2], 'observer-B'));
      await rp.check('http/queue_get_running.json');
      await rp.check('http/prompt_get_running.json');

      await a.waitFor(
        (f) => f.frame === 'text' && f.message.data?.status?.exec_info.queue_remaining === 5,
        markA,
      );
      sockets.R = await WsRecorder.open(sim.url, 'gallery-A');
      galleryA = 'R';
      const r = sock('R');
      await r.waitForType('executing');
      compareFrames(
        'ws/reconnect_same_clientId_during_run.json',
        r.since(0),
        transcript('ws/reconnect_same_clientId_during_run.json').frames,
      );

      for (const f of [
        'http/queue_post_delete.json',
        'http/queue_get_after_delete.json',
        'http/queue_post_delete_unknown.json',
        'http/queue_post_delete_running.json',
        'http/queue_post_clear.json',
        'http/queue_get_after_clear.json',
        'http/interrupt_post.json',
      ]) {
        await rp.check(f);
      }
      sim.setStepMs(2);
      await r.waitFor(isDone(longId));
      await b.waitFor(isIdleStatus, markB);
      await sock('N').waitFor(isIdleStatus, markN);
      const t = transcript('ws/run_interrupted.json');
      compareFrames('ws/run_interrupted.json A', a.since(markA), t.frames_old_socket_A);
      compareFrames('ws/run_interrupted.json R', r.since(0), t.frames_new_socket_same_clientId);
      compareFrames('ws/run_interrupted.json B', b.since(markB), t.frames_observer_B);
      await rp.check('http/history_get_id_interrupted.json');
    },
  },
  ...simple(['http/interrupt_post_idle.json']),
  ...simple([
    'http/prompt_post_rejected_unknown_node_class.json',
    'http/prompt_post_rejected_missing_class_type.json',
    'http/prompt_post_rejected_missing_required_input.json',
    'http/prompt_post_rejected_wrong_link_type.json',
    'http/prompt_post_rejected_link_to_missing_node.json',
    'http/prompt_post_rejected_bad_link_shape.json',
    'http/prompt_post_rejected_value_out_of_range.json',
    'http/prompt_post_rejected_value_below_min.json',
    'http/prompt_post_rejected_value_wrong_type.json',
    'http/prompt_post_rejected_combo_value_not_in_list.json',
    'http/prompt_post_rejected_no_output_node.json',
    'http/prompt_post_rejected_empty_prompt.json',
    'http/prompt_post_rejected_loadimage_missing_file.json',
    'http/prompt_post_rejected_no_prompt_key.json',
  ]),
  {
    name: 'a partially invalid prompt runs its valid output only',
    covers: ['http/prompt_post_accepted_partially_invalid.json'],
    run: async () => {
      const id = await checkAccepted('http/prompt_post_accepted_partially_invalid.json');
      const h = await waitForHistory(id);
      expect(h.prompt[4]).toEqual(['2']);
      expect(h.outputs['2'].images[0].filename).toBe('partial_00001_.png');
      expect(h.outputs['4']).toBeUndefined();
    },
  },
  ...simple([
    'http/prompt_post_rejected_bad_json.json',
    'http/prompt_post_rejected_empty_body.json',
    'http/prompt_post_rejected_json_array.json',
    'http/prompt_post_rejected_prompt_not_object.json',
    'http/origin_mismatch_post_prompt_403.json',
    'http/origin_mismatch_get_queue_403.json',
    'http/origin_mismatch_options_preflight.json',
    'http/origin_same_get_queue.json',
  ]),
  {
    name: '/view of an output PNG returns the very bytes ComfyUI wrote',
    covers: ['http/view_output_png.json', 'view_output_png.png'],
    run: async () => {
      const r = await rp.check('http/view_output_png.json');
      expect(r.body.equals(transcriptBytes('view_output_png.png'))).toBe(true);
    },
  },
  ...simple(['http/view_temp_png.json']),
  {
    name: 'SaveImage with a prefix containing folders saves into a subfolder',
    covers: [
      'http/history_outputs_subfolder.json',
      'http/view_output_subfolder.json',
      'http/view_output_subfolder_omitted.json',
    ],
    run: async () => {
      const all = transcript('http/history_get_all.json').response.json;
      const [recordedId, item] = Object.entries(all).find(([, v]: [string, Json]) => v.prompt[0] === 27) as [
        string,
        Json,
      ];
      const id = await postPrompt(item.prompt[2], 'gallery-A');
      rp.map.set(recordedId, id);
      const h = await waitForHistory(id);
      expect(normalise(h.outputs, rp.norm)).toEqual(
        normalise(transcript('http/history_outputs_subfolder.json').outputs, rp.norm),
      );
      await rp.check('http/view_output_subfolder.json');
      await rp.check('http/view_output_subfolder_omitted.json');
    },
  },
  ...simple([
    'http/view_default_type.json',
    'http/view_missing_file.json',
    'http/view_traversal_filename_dotdot.json',
    'http/view_traversal_filename_absolute.json',
    'http/view_traversal_subfolder_dotdot.json',
    'http/view_traversal_subfolder_etc.json',
    'http/view_bad_type.json',
    'http/view_no_filename.json',
  ]),
  // A lossy WebP from Pillow cannot be reproduced; the simulator sends a valid lossless one.
  ...simple(['http/view_preview_webp.json'], { binary: 'magic' }),
  ...simple(['http/view_channel_rgb.json', 'http/view_range_request.json', 'http/view_head.json']),
  {
    name: 'uploads: new, duplicate bytes, renamed, overwrite, subfolder, types, rejections',
    covers: [
      'http/upload_image_new.json',
      'http/upload_image_same_name_same_bytes.json',
      'http/upload_image_same_name_other_bytes.json',
      'http/upload_image_overwrite_true.json',
      'http/upload_image_subfolder.json',
      'http/upload_image_type_input.json',
      'http/upload_image_type_temp.json',
      'http/upload_image_type_output.json',
      'http/upload_image_bad_no_file.json',
      'http/upload_image_bad_traversal_subfolder.json',
      'http/upload_image_bad_traversal_filename.json',
      'http/upload_image_not_an_image.json',
      'http/upload_image_wrong_field_name.json',
      'http/upload_image_bad_json_body.json',
      'http/view_input_uploaded.json',
      'http/view_input_uploaded_subfolder.json',
    ],
    run: async () => {
      const up = (file: string, data: Buffer): Promise<unknown> =>
        rp.check(file, { body: uploadFile(file, data) });
      await up('http/upload_image_new.json', UPLOAD_A);
      await up('http/upload_image_same_name_same_bytes.json', UPLOAD_A);
      await up('http/upload_image_same_name_other_bytes.json', UPLOAD_B);
      await up('http/upload_image_overwrite_true.json', UPLOAD_C);
      await up('http/upload_image_subfolder.json', UPLOAD_SUB);
      for (const f of [
        'http/upload_image_type_input.json',
        'http/upload_image_type_temp.json',
        'http/upload_image_type_output.json',
      ]) {
        await up(f, UPLOAD_A);
      }
      await rp.check('http/upload_image_bad_no_file.json', {
        body: uploadFile('http/upload_image_bad_no_file.json', Buffer.alloc(0)),
      });
      await up('http/upload_image_bad_traversal_subfolder.json', UPLOAD_A);
      await up('http/upload_image_bad_traversal_filename.json', UPLOAD_A);
      await up('http/upload_image_not_an_image.json', Buffer.from('just some notes..\n'));
      await up('http/upload_image_wrong_field_name.json', UPLOAD_A);
      await rp.check('http/upload_image_bad_json_body.json');
      // The uploaded bytes are ours, so only headers and lengths can match.
      for (const [f, bytes] of [
        ['http/view_input_uploaded.json', UPLOAD_C],
        ['http/view_input_uploaded_subfolder.json', UPLOAD_SUB],
      ] as const) {
        const r = await rp.check(f, { binary: 'magic' });
        expect(r.body.equals(bytes), `${f}: the uploaded bytes`).toBe(true);
      }
    },
  },
  ...simple(['http/object_info_LoadImage_after_uploads.json']),
  {
    name: 'LoadImage from a subfolder → outpaint pad → SaveImage + mask preview',
    covers: ['ws/run_loadimage_outpaint.json', 'http/history_get_id_loadimage.json'],
    run: async () => {
      const t = transcript('ws/run_loadimage_outpaint.json');
      await runAndCompare('ws/run_loadimage_outpaint.json', async () => {
        const id = await postPrompt(t.prompt, 'gallery-A');
        rp.map.set(t.prompt_id as string, id);
        return id;
      });
      await rp.check('http/history_get_id_loadimage.json');
    },
  },
  {
    name: 'LoadImage of a non-image passes validation and fails at run time',
    covers: [
      'http/prompt_post_accepted_loadimage_not_an_image.json',
      'ws/run_execution_error_loadimage_not_an_image.json',
    ],
    run: async () => {
      await runAndCompare('ws/run_execution_error_loadimage_not_an_image.json', () =>
        checkAccepted('http/prompt_post_accepted_loadimage_not_an_image.json'),
      );
    },
  },
  ...simple([
    'http/history_get_all.json',
    'http/history_get_max_items_1.json',
    'http/history_get_max_items_2.json',
    'http/history_get_unknown_id.json',
    'http/history_get_max_items_not_int.json',
    'http/history_post_delete.json',
    'http/history_get_deleted_id.json',
    'http/history_post_delete_unknown.json',
    'http/history_post_clear.json',
    'http/history_get_after_clear.json',
    'http/history_post_bad_json.json',
  ]),
  {
    name: 'closing a replaced socket unregisters its successor',
    covers: ['ws/reconnect_then_old_socket_closed.json'],
    run: async () => {
      const r = sock('R');
      await sock('A').close();
      await new Promise((res) => setTimeout(res, 20));
      const mark = r.mark();
      const id = await postPrompt(
        {
          '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 7 } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'orphan' } },
        },
        'gallery-A',
      );
      await waitForHistory(id);
      await sock('B').waitFor(isIdleStatus, sock('B').mark() - 1);
      expect(r.since(mark)).toEqual(
        transcript('ws/reconnect_then_old_socket_closed.json').frames_new_socket_after_old_closed,
      );
    },
  },
  {
    name: 'measurements: a trivial prompt answers and finishes quickly',
    covers: ['measurements.json'],
    run: async () => {
      const m = transcript('measurements.json');
      const ws = await WsRecorder.open(sim.url, 'timing');
      try {
        for (const run of m.trivial_prompt_EmptyImage64_SaveImage_x10.slice(0, 3)) {
          const t0 = performance.now();
          const mark = ws.mark();
          const id = await postPrompt(
            {
              '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
              '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'timing' } },
            },
            'timing',
          );
          const posted = performance.now() - t0;
          await ws.waitFor(isDone(id), mark);
          const done = performance.now() - t0;
          // Same order of magnitude as the real server (a few ms), with room for a loaded CI machine.
          expect(posted).toBeLessThan(Math.max(250, Number(run.post_response_ms) * 50));
          expect(done).toBeLessThan(Math.max(500, Number(run.post_to_ws_executing_null_ms) * 100));
        }
      } finally {
        await ws.close();
      }
    },
  },
];

/** The UI-workflow → prompt pairs, each POSTed back like the recording did (to a model-less server). */
const workflowCases = [
  '01_default_workflow',
  '02_model_free_chain',
  '03_multiple_outputs',
  '04_reroute',
  '05_seed_control_after_generate',
  '06_note_group_title',
];

acts.push({
  name: 'workflow-to-prompt outputs are accepted or rejected as the real server did',
  covers: [
    ...workflowCases.map((c) => `workflow-to-prompt/${c}.json`),
    'workflow-to-prompt/_run.json',
    'workflow-to-prompt/object_info.json.gz',
  ],
  run: async () => {
    const run = transcript('workflow-to-prompt/_run.json').post_to_server_check.results;
    const fresh = await startComfySim({ stepMs: 1, models: {} });
    try {
      const uiInfo = parsePyJson(
        gunzipSync(transcriptBytes('workflow-to-prompt/object_info.json.gz')).toString('utf8'),
      ) as object;
      const ours = (await (await fetch(`${fresh.url}/object_info`)).json()) as object;
      expect(Object.keys(ours).sort()).toEqual(Object.keys(uiInfo).sort());
      for (const c of workflowCases) {
        const pair = transcript(`workflow-to-prompt/${c}.json`);
        const expected = run[c];
        const res = await fetch(`${fresh.url}/prompt`, {
          method: 'POST',
          body: dumpsPy({
            prompt: pair.output,
            client_id: 'wf',
            extra_data: { extra_pnginfo: { workflow: pair.workflow } },
          }),
        });
        const body = parsePyJson(await res.text()) as Json;
        expect(res.status, c).toBe(expected.status);
        if (expected.status === 400) {
          expect(body.error.type, c).toBe(expected.error_type);
          const types = Object.fromEntries(
            Object.entries(body.node_errors).map(([k, v]: [string, Json]) => [
              k,
              v.errors.map((e: Json) => e.type),
            ]),
          );
          expect(types, c).toEqual(expected.node_error_types);
          continue;
        }
        let h: Json;
        for (let i = 0; i < 500 && !h; i++) {
          h = ((await (await fetch(`${fresh.url}/history/${body.prompt_id}`)).json()) as Json)[
            body.prompt_id
          ];
          if (!h) await new Promise((r) => setTimeout(r, 10));
        }
        expect(h.status.status_str, c).toBe(expected.run);
        const names = Object.fromEntries(
          Object.entries(h.outputs).map(([k, v]: [string, Json]) => [
            k,
            v.images.map((i: Json) => i.filename),
          ]),
        );
        expect(normalise(names, rp.norm), c).toEqual(normalise(expected.outputs, rp.norm));
      }
    } finally {
      await fresh.close();
    }
  },
});

acts.push({
  name: 'the capture index lists exactly the files replayed here',
  covers: ['_captured.json'],
  run: async () => {
    const listed = (transcript('_captured.json') as { file: string }[]).map((x) => x.file).sort();
    const replayedInOrder = acts.flatMap((a) => a.covers).filter((f) => listed.includes(f));
    expect([...new Set(replayedInOrder)].sort()).toEqual(listed);
  },
});

describe('conformance with the recorded ComfyUI transcripts', () => {
  for (const act of acts) it(act.name, act.run);

  it('covers every transcript file exactly once', () => {
    const covered = acts.flatMap((a) => a.covers);
    expect(new Set(covered).size).toBe(covered.length);
    expect([...covered].sort()).toEqual(allTranscriptFiles());
    expect(covered.length).toBe(allTranscriptFiles().length);
  });
});
