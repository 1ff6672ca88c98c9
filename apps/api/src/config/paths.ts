import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The workspace root, found by walking up from this file (src/config or dist/config) to the folder
 * holding pnpm-workspace.yaml, so the server starts the same from the repo root or from apps/api.
 */
export function findRepoRoot(start: string = here): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The API's own version, from apps/api/package.json (two levels above both src/config and dist/config). */
export function readApiVersion(): string {
  const raw: unknown = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8'));
  if (typeof raw === 'object' && raw !== null && 'version' in raw && typeof raw.version === 'string') {
    return raw.version;
  }
  return '0.0.0';
}
