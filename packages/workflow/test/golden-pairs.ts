import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import type { ObjectInfo } from '../src/index.js';

/**
 * The recordings this package's tests read, vendored from the ComfyUI capture (see
 * recordings/workflow-to-prompt/README.md): the server's `object_info.json.gz` and the UI's
 * workflow ⇄ prompt pairs. The HTTP/WebSocket transcripts of the same capture live in
 * packages/comfy-sim/test/recordings, which reads these two from here (comfy-sim depends on
 * workflow, not the other way round).
 */
export const protocolDir = fileURLToPath(new URL('./recordings/', import.meta.url));
export const pairsDir = join(protocolDir, 'workflow-to-prompt');

export interface GoldenPair {
  file: string;
  case: string;
  workflow: unknown;
  output: Record<string, unknown>;
  workflow_as_loaded?: unknown;
}

export function readObjectInfo(path: string): ObjectInfo {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as ObjectInfo;
}

/** The object_info the UI that produced the pairs received. */
export function pairsObjectInfo(): ObjectInfo {
  return readObjectInfo(join(pairsDir, 'object_info.json.gz'));
}

/** The server's own recorded object_info (no checkpoints, no LoRAs installed). */
export function recordedObjectInfo(): ObjectInfo {
  return readObjectInfo(join(protocolDir, 'object_info.json.gz'));
}

export function goldenPairs(): GoldenPair[] {
  return readdirSync(pairsDir)
    .filter((file) => /^\d+_.*\.json$/.test(file))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(join(pairsDir, file), 'utf8')) as Omit<GoldenPair, 'file'>),
    }));
}

/** A copy of `objectInfo` whose combo inputs offer the given values (e.g. checkpoints the recording lacks). */
export function withComboOptions(
  objectInfo: ObjectInfo,
  options: Record<string, Record<string, string[]>>,
): ObjectInfo {
  const copy = structuredClone(objectInfo);
  for (const [classType, inputs] of Object.entries(options)) {
    const required = copy[classType]?.input?.required;
    if (!required) throw new Error(`no class ${classType}`);
    for (const [input, values] of Object.entries(inputs)) {
      const spec = required[input] as [unknown, unknown?];
      required[input] = [values, spec[1] ?? {}];
    }
  }
  return copy;
}

export const fakeCheckpoints = ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.ckpt'];
export const fakeLoras = ['detail_tweaker.safetensors', 'film_grain.safetensors'];

/** The recorded object_info plus checkpoints and LoRAs to choose from. */
export function objectInfoWithModels(): ObjectInfo {
  return withComboOptions(recordedObjectInfo(), {
    CheckpointLoaderSimple: { ckpt_name: fakeCheckpoints },
    LoraLoader: { lora_name: fakeLoras },
  });
}
