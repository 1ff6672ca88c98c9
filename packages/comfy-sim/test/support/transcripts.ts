import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parsePyJson } from '../../src/py-json.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The recorded ComfyUI session, vendored into the repository (see recordings/README.md). One copy
 * of each file: the HTTP/WebSocket transcripts live here; the server's `object_info.json.gz` and
 * the UI's `workflow-to-prompt/` pairs live with the workflow package's tests, which read them
 * too (this package depends on workflow, not the other way round). Names stay relative to the
 * capture's root, as `_captured.json` lists them.
 */
export const TRANSCRIPTS_DIR = resolve(here, '../recordings');
export const WORKFLOW_RECORDINGS_DIR = resolve(here, '../../../workflow/test/recordings');

/** Where a capture-relative name is stored. */
export function transcriptPath(file: string): string {
  const inWorkflow = file === 'object_info.json.gz' || file.startsWith('workflow-to-prompt/');
  return join(inWorkflow ? WORKFLOW_RECORDINGS_DIR : TRANSCRIPTS_DIR, file);
}

/** Every transcript file (capture-relative path), i.e. everything recorded except the READMEs. */
export function allTranscriptFiles(): string[] {
  const out: string[] = [];
  const walk = (root: string, dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(root, full);
      else if (name !== 'README.md') out.push(relative(root, full));
    }
  };
  walk(TRANSCRIPTS_DIR, TRANSCRIPTS_DIR);
  walk(WORKFLOW_RECORDINGS_DIR, WORKFLOW_RECORDINGS_DIR);
  return out.sort();
}

/**
 * Parsed transcript JSON. Typed like `JSON.parse`'s result: tests read deep into recorded bodies
 * and the lint config relaxes the unsafe-* rules for tests precisely for that.
 */
export type Json = ReturnType<typeof JSON.parse>;

/** A transcript parsed the Python way (floats and big integers kept). */
export function transcript(file: string): Json {
  return parsePyJson(readFileSync(transcriptPath(file), 'utf8'));
}

export function transcriptBytes(file: string): Buffer {
  return readFileSync(transcriptPath(file));
}
