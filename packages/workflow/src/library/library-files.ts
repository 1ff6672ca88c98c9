/** Reading the template library's files, turning every failure into a report line. */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { templateNamePattern } from '@atelier/contract';

/** A file that could not be used, and why; loading continues with the others. */
export interface LibraryProblem {
  file: string;
  message: string;
}

export type JsonFile = { ok: true; value: unknown } | { ok: false; message: string };

export async function readJsonFile(path: string): Promise<JsonFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, message: `cannot read the file: ${errorMessage(error)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${errorMessage(error)}` };
  }
}

/** The `.json` files of a directory, sorted. A missing directory holds no files; other failures are reported. */
export async function listJsonFiles(dir: string): Promise<{ files: string[]; problem?: LibraryProblem }> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
      .map((entry) => join(dir, entry.name))
      .sort();
    return { files };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [] };
    return {
      files: [],
      problem: { file: dir, message: `cannot list the directory: ${errorMessage(error)}` },
    };
  }
}

export function fileStem(path: string, suffix: string): string {
  const name = basename(path);
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

/** Names double as identifiers in URLs and requests (the pattern the API checks them with). */
export const templateName = new RegExp(templateNamePattern);

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
