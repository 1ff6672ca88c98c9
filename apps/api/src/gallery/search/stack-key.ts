import { createHash } from 'node:crypto';
import type { ImageParams } from '@atelier/contract';

/**
 * Images whose settings differ only by seed (or batch index, which is not a parameter) share a
 * stack: the key is a hash of everything else that made them, and of who made them. Images
 * without known settings stand alone (null).
 */
export function stackKeyOf(params: ImageParams, ownerId: number): string | null {
  if (params.source === 'none' || params.positive === null) return null;
  const { seed: _seed, source: _source, backend_version: _version, ...settings } = params;
  const loras = [...settings.loras].sort((a, b) => a.name.localeCompare(b.name) || a.weight - b.weight);
  const canonical = JSON.stringify([ownerId, { ...settings, loras }], sortedKeys);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
}
