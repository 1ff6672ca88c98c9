import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** The Redis key holding the ComfyUI client id every replica of the cluster uses. */
export const clusterClientIdKey = 'atelier:comfy-client-id';

/** A client id of our own (the embedded mode: one per process, as ever). */
export function newClientId(): string {
  return `atelier-${randomUUID()}`;
}

/**
 * The cluster's ComfyUI client id in scale-out mode: the first replica to boot sets it, the others read
 * it. ComfyUI sends a prompt's events only to the socket of the client id it was posted with, so a new
 * leader's socket hears the jobs the old leader posted.
 */
export async function clusterClientId(redis: Redis): Promise<string> {
  await redis.set(clusterClientIdKey, newClientId(), 'NX');
  const id = await redis.get(clusterClientIdKey);
  if (!id) throw new Error(`Redis lost ${clusterClientIdKey} right after it was set`);
  return id;
}
