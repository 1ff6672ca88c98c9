/** What the metadata specs share: the recorded transcripts' prompts and a tiny API-prompt builder. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { GraphParams } from '../src/index.js';
import { fileURLToPath } from 'node:url';

/**
 * The recorded transcripts live once in the repository, with the simulator they specify (its
 * conformance test checks that no file is vendored twice); these specs read them there.
 */
const simRecordings = fileURLToPath(new URL('../../comfy-sim/test/recordings/', import.meta.url));

/** Every prompt the recorded ComfyUI server kept in its history (`[number, id, prompt, extra, outputs]`). */
export function historyPrompts(): Record<string, unknown>[] {
  const file = JSON.parse(readFileSync(join(simRecordings, 'http', 'history_get_all.json'), 'utf8')) as {
    response: { json: Record<string, { prompt: [number, string, Record<string, unknown>] }> };
  };
  return Object.values(file.response.json).map((entry) => entry.prompt[2]);
}

/** The prompt a recorded POST /prompt sent. */
export function postedPrompt(name: string): unknown {
  const file = JSON.parse(readFileSync(join(simRecordings, 'http', `${name}.json`), 'utf8')) as {
    request: { body_json: { prompt: unknown } };
  };
  return file.request.body_json.prompt;
}

export function recording(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(simRecordings, name)));
}

/** `node('KSampler', {...})` entries keyed by id, for hand-built graphs. */
export function node(class_type: string, inputs: Record<string, unknown>) {
  return { class_type, inputs };
}

export const noParams: GraphParams = {
  positive: null,
  negative: null,
  checkpoint: null,
  loras: [],
  sampler: null,
  scheduler: null,
  steps: null,
  cfg: null,
  seed: null,
  denoise: null,
  width: null,
  height: null,
};
