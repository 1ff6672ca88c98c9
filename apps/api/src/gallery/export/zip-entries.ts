import { predictLength } from 'client-zip';

/** What client-zip needs to know of an entry to predict the archive's length. */
export interface ZipEntrySize {
  name: string;
  size: number;
}

export const manifestName = 'manifest.csv';

/** `<id>-<first 12 hex of the SHA-256>.<ext>`: unique, and no user text in a path. */
export function imageEntryName(id: number, sha256: string, ext: string): string {
  return `${id}-${sha256.slice(0, 12)}.${ext}`;
}

export function sidecarEntryName(id: number, sha256: string): string {
  return `${id}-${sha256.slice(0, 12)}.json`;
}

/**
 * The exact length of the ZIP client-zip will write for these entries in this order (STORED, with
 * data descriptors; Zip64 records where sizes or offsets need them).
 */
export function zipLength(entries: Iterable<ZipEntrySize>): number {
  return Number(predictLength(entries));
}

/**
 * A redacted sidecar: the record of the file and who kept it, without the workflow, the
 * parameters and the free-form metadata a prompt may hide in. Null when the text is not our JSON.
 */
export function redactSidecar(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const kept = Object.fromEntries(
    Object.entries(parsed).filter(([key]) => !['workflow', 'params', 'metadata'].includes(key)),
  );
  return `${JSON.stringify(kept, null, 2)}\n`;
}
