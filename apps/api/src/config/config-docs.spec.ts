import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from './app-config.js';
import { loadConfig, type Env } from './load-config.js';
import { runtimeSettingKeys, runtimeSettingSpecs } from './runtime-settings.js';

/**
 * The top-level README's configuration table is the one list of variables: every variable the
 * loader reads has a row (runtime settings marked ✱), no row names a variable nobody reads, and a
 * default written as one literal is what the loader uses when the variable is unset.
 */

const readme = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8');

/** Read by scripts or the web build, not by the API's loader; each still has its row. */
const outsideTheLoader: Record<string, string> = {
  COMFY_SIM_PORT: 'scripts/demo.sh',
  COMFY_SIM_STEP_MS: 'scripts/demo.sh',
  VITE_API_BASE_URL: 'apps/web/src/config.ts',
};

interface Row {
  name: string;
  runtime: boolean;
  defaultCell: string;
  meaning: string;
}

/** The table's rows, and the rows that are neither a variable nor a group label. */
function configurationTable(): { rows: Row[]; malformed: string[] } {
  const section = /^## Configuration\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const cells = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  const rows: Row[] = [];
  const malformed: string[] = [];
  // Skips the header and its separator; group rows are a bold label with empty cells.
  for (const [first = '', defaultCell = '', meaning = ''] of cells.slice(2)) {
    if (/^\*\*.+\*\*$/.test(first) && defaultCell === '' && meaning === '') continue;
    const match = /^`([A-Z][A-Z0-9_]*)`( ✱)?$/.exec(first);
    if (match?.[1]) rows.push({ name: match[1], runtime: match[2] !== undefined, defaultCell, meaning });
    else malformed.push(first);
  }
  return { rows, malformed };
}

const base: Env = {
  ATELIER_ROOT_DIR: '/srv/atelier',
  // Managed mode on, so its values are parsed into the config the defaults are compared in.
  COMFY_MANAGED_COMMAND: 'python3 main.py --cpu',
};

/** The names loadConfig looks up, recorded as it reads them. */
function namesTheLoaderReads(): string[] {
  const names = new Set<string>();
  const env = new Proxy(base, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  loadConfig(env);
  return [...names].sort();
}

/** The configuration with runtime settings flattened to their effective boot values. */
function effective(env: Env): unknown {
  const config: AppConfig = loadConfig(env);
  const { runtime, ...rest } = config;
  return { ...rest, runtime: { ...runtime.defaults, ...runtime.env } };
}

describe('README configuration table', () => {
  const { rows, malformed } = configurationTable();
  const documented = rows.map((row) => row.name);
  const read = namesTheLoaderReads();

  it('lists every variable the loader reads', () => {
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('lists no variable that nothing reads, and each once', () => {
    const unread = documented.filter((name) => !read.includes(name) && !(name in outsideTheLoader));
    expect(unread).toEqual([]);
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });

  it('gives each variable a row of its own, a default and a meaning, and marks exactly the runtime settings ✱', () => {
    expect(malformed, 'rows that are not one `VARIABLE` (✱) or a **group**').toEqual([]);
    for (const row of rows) {
      expect(row.defaultCell, `${row.name} default`).not.toBe('');
      expect(row.meaning, `${row.name} meaning`).not.toBe('');
    }
    const runtimeEnv = runtimeSettingKeys.map((key) => runtimeSettingSpecs[key].env).sort();
    expect(
      rows
        .filter((row) => row.runtime)
        .map((row) => row.name)
        .sort(),
    ).toEqual(runtimeEnv);
  });

  it('documents the defaults the loader uses: setting a variable to its literal default changes nothing', () => {
    const unset = effective(base);
    let checked = 0;
    for (const row of rows) {
      const literal = /^`([^`<]+)`$/.exec(row.defaultCell)?.[1];
      if (literal === undefined || row.name in outsideTheLoader) continue;
      expect(effective({ ...base, [row.name]: literal }), `${row.name}=${literal}`).toEqual(unset);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });
});
