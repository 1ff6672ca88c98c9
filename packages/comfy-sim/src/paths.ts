import { existsSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export type DirType = 'input' | 'output' | 'temp';

export interface SimDirs {
  input: string;
  output: string;
  temp: string;
  models: string;
}

/** Python's `posixpath.normpath`. */
export function normpath(p: string): string {
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part === '..' && absolute) continue;
    else parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? '/' + joined : joined || '.';
}

/** `os.path.commonpath((base, abspath(target))) == base`: target is base or inside it. */
export function isInside(base: string, target: string): boolean {
  const b = resolve(base);
  const t = resolve(target);
  return t === b || t.startsWith(b.endsWith(sep) ? b : b + sep);
}

/** ComfyUI's `annotated_filepath`: "name.png [output]" picks a directory by suffix. */
export function annotatedFilepath(name: string, dirs: SimDirs): { name: string; dir: string | undefined } {
  if (name.endsWith('[output]')) return { name: name.slice(0, -9), dir: dirs.output };
  if (name.endsWith('[input]')) return { name: name.slice(0, -8), dir: dirs.input };
  if (name.endsWith('[temp]')) return { name: name.slice(0, -7), dir: dirs.temp };
  return { name, dir: undefined };
}

/** `get_annotated_filepath(name)` (input directory by default). */
export function annotatedPath(name: string, dirs: SimDirs): string {
  const a = annotatedFilepath(name, dirs);
  return join(a.dir ?? dirs.input, a.name);
}

/** `exists_annotated_filepath(name)`, kept inside the data directories. */
export function annotatedExists(name: string, dirs: SimDirs): boolean {
  const a = annotatedFilepath(name, dirs);
  const base = a.dir ?? dirs.input;
  const full = join(base, a.name);
  return isInside(base, full) && existsSync(full);
}

export function dirByType(type: string, dirs: SimDirs): string | undefined {
  if (type === 'input') return dirs.input;
  if (type === 'output') return dirs.output;
  if (type === 'temp') return dirs.temp;
  return undefined;
}
