import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.js';

/** The value of `--name value` or `--name=value` (last one wins), or null. */
function flagValue(args: readonly string[], name: string): string | null {
  let found: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith(`${name}=`)) found = arg.slice(name.length + 1);
    else if (arg === name && args[i + 1] !== undefined) found = args[i + 1] ?? null;
  }
  return found;
}

/**
 * ComfyUI's input folder, when Atelier can reach it on disk: COMFY_INPUT_DIR, else — in managed mode —
 * what the command line says (`--input-directory`, `--base-directory`/input, or `input/` next to the
 * `main.py` it runs, which is where ComfyUI puts it by default). Null when unknown.
 */
export function comfyInputDir(config: AppConfig): string | null {
  if (config.comfyUploads.inputDir) return config.comfyUploads.inputDir;
  const managed = config.comfyManaged;
  if (!managed) return null;
  const args = managed.command;
  const at = (path: string) => resolve(managed.cwd, path);
  const input = flagValue(args, '--input-directory');
  if (input) return at(input);
  const base = flagValue(args, '--base-directory');
  if (base) return resolve(at(base), 'input');
  const script = args.find((arg) => arg === 'main.py' || arg.endsWith('/main.py'));
  return script ? resolve(dirname(at(script)), 'input') : null;
}

/** `<dir>/<subfolder>/<name>`, or null when it would leave `dir`. */
export function fileInside(dir: string, subfolder: string, name: string): string | null {
  const path = resolve(dir, subfolder, name);
  const rel = relative(resolve(dir), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? path : null;
}
