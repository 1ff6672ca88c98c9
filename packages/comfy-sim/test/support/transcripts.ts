import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parsePyJson } from '../../src/py-json.js';

/** The recorded ComfyUI transcripts (shared/comfy-protocol beside the repository). */
export const TRANSCRIPTS_DIR = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../../../shared/comfy-protocol',
);

/** Every transcript file (relative path), i.e. everything in the directory except the READMEs. */
export function allTranscriptFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'README.md') out.push(relative(TRANSCRIPTS_DIR, full));
    }
  };
  walk(TRANSCRIPTS_DIR);
  return out.sort();
}

/**
 * Parsed transcript JSON. Typed like `JSON.parse`'s result: tests read deep into recorded bodies
 * and the lint config relaxes the unsafe-* rules for tests precisely for that.
 */
export type Json = ReturnType<typeof JSON.parse>;

/** A transcript parsed the Python way (floats and big integers kept). */
export function transcript(file: string): Json {
  return parsePyJson(readFileSync(join(TRANSCRIPTS_DIR, file), 'utf8'));
}

export function transcriptBytes(file: string): Buffer {
  return readFileSync(join(TRANSCRIPTS_DIR, file));
}
