import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { KeptPreview } from './job-previews.js';

/** The latest two previews of a running job, for every replica: a hash (seq, owner, mime, bytes; p… the one before). */
export function previewKey(promptId: string): string {
  return `atelier:preview:${promptId}`;
}

/**
 * Long enough for a browser on another replica to fetch the URL its stream just named; short, as a
 * running job replaces it every few hundred ms and an ended job's preview is of no use.
 */
const sharedPreviewTtlMs = 2 * 60_000;

/**
 * Scale-out: JobPreviews keeps the bytes in the memory of the replica that follows the job, but the job's
 * stream (its Redis log) names the preview's URL to browsers on every replica. This keeps the latest
 * preview of each job in Redis too, and the one before it (as JobPreviews does: a browser that fetches a
 * URL as the next preview arrives still finds it), so the other replicas serve that URL. An older URL
 * answers 404 there, as a gone preview does.
 */
export class SharedPreviews {
  private readonly logger = new Logger('JobPreviews');
  private failing = false;

  constructor(private readonly redis: Redis) {}

  /** Not awaited: previews are live only; a Redis outage just leaves the other replicas without them. */
  save(promptId: string, ownerId: number, preview: KeptPreview): void {
    const key = previewKey(promptId);
    const { seq, mime, bytes } = preview;
    this.redis
      .eval(keepLatestTwo, 1, key, String(seq), String(ownerId), mime, bytes, String(sharedPreviewTtlMs))
      .then(() => {
        this.failing = false;
      })
      .catch((error: Error) => {
        // Once per outage (a running job writes one every few hundred ms).
        if (!this.failing) this.logger.warn(`Cannot keep previews in Redis: ${error.message}`);
        this.failing = true;
      });
  }

  /** The job's preview `seq` with its owner, when it is still the latest one; null otherwise or on error. */
  async find(promptId: string, seq: number): Promise<{ ownerId: number; preview: KeptPreview } | null> {
    const fields = await this.redis.hmgetBuffer(previewKey(promptId), ...latest, ...before).catch(() => null);
    if (!fields) return null;
    for (const [storedSeq, owner, mime, bytes] of [fields.slice(0, 4), fields.slice(4)]) {
      if (!storedSeq || !owner || !mime || !bytes || Number(storedSeq.toString()) !== seq) continue;
      return { ownerId: Number(owner.toString()), preview: { seq, mime: mime.toString(), bytes } };
    }
    return null;
  }
}

const latest = ['seq', 'owner', 'mime', 'bytes'];
const before = ['pseq', 'powner', 'pmime', 'pbytes'];

/** The latest preview moves to the p… fields, the new one takes its place (ARGV: seq, owner, mime, bytes, ttl). */
const keepLatestTwo = `
local cur = redis.call('HMGET', KEYS[1], 'seq', 'owner', 'mime', 'bytes')
if cur[1] then
  redis.call('HSET', KEYS[1], 'pseq', cur[1], 'powner', cur[2], 'pmime', cur[3], 'pbytes', cur[4])
end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'owner', ARGV[2], 'mime', ARGV[3], 'bytes', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 0`;
