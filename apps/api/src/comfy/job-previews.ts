import { roleAtLeast, type AuthUser } from '@atelier/contract';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { SharedPreviews } from './shared-previews.js';
import { setUntrustedImageHeaders } from './view-proxy.js';

/** One kept sampler preview: its bytes are served by GET /api/comfy/jobs/:promptId/preview?seq=… */
export interface KeptPreview {
  seq: number;
  mime: string;
  bytes: Buffer;
}

interface JobEntry {
  ownerId: number;
  /** Oldest first; at most `keptPerJob`. */
  previews: KeptPreview[];
  bytes: number;
  endTimer: NodeJS.Timeout | undefined;
}

/**
 * The newest previews of each job plus one before it: a browser that fetches a URL just as the next preview
 * arrives still finds its bytes.
 */
const keptPerJob = 2;
/** All jobs' previews together; past it, ended jobs go first, then the jobs that started earliest. */
const maxTotalBytes = 64 * 1024 * 1024;
/** A sampler preview is a small JPEG or PNG; a bigger one is not kept (nor announced). */
const maxPreviewBytes = 4 * 1024 * 1024;

/** A seq names its bytes for good: the browser keeps them, private to the signed-in user. */
const previewCacheControl = 'private, max-age=3600, immutable';

/**
 * The latest sampler previews of running jobs, in memory, so the SSE stream sends a short URL instead of
 * the bytes: each browser fetches each preview once, and the fan-out writes ~200 bytes per subscriber.
 * A job's previews go `comfyTuning.previewGraceMs` after it ends. Scale-out: the latest one is in Redis
 * too (SharedPreviews), for the browsers of other replicas.
 */
@Injectable()
export class JobPreviews implements OnModuleDestroy {
  private readonly jobs = new Map<string, JobEntry>();
  private totalBytes = 0;
  /**
   * Increasing across jobs and, being started at the boot time in ms, across restarts: the same URL never
   * names other bytes, so browsers may cache it as immutable.
   */
  private nextSeq = Date.now();

  /** Null in the embedded mode. */
  private readonly shared: SharedPreviews | null;

  constructor(
    private readonly config: AppConfig,
    @Inject(REDIS_CONNECTIONS) redis: RedisConnections | null,
  ) {
    this.shared = redis ? new SharedPreviews(redis.command) : null;
  }

  onModuleDestroy(): void {
    for (const entry of this.jobs.values()) clearTimeout(entry.endTimer);
    this.jobs.clear();
    this.totalBytes = 0;
  }

  /** Keeps a job's newest preview; its seq and URL, or null when it is not kept (too big). */
  put(
    promptId: string,
    ownerId: number,
    mime: string,
    data: Uint8Array,
  ): { seq: number; url: string } | null {
    if (data.byteLength > maxPreviewBytes) return null;
    let entry = this.jobs.get(promptId);
    if (!entry) {
      entry = { ownerId, previews: [], bytes: 0, endTimer: undefined };
      this.jobs.set(promptId, entry);
    }
    // Running again (a resubmission under the same id): it is active, not ending.
    clearTimeout(entry.endTimer);
    entry.endTimer = undefined;
    // A copy of its own: a view would keep the socket's whole read buffer alive, and the byte budget would lie.
    const bytes = Buffer.allocUnsafeSlow(data.byteLength);
    bytes.set(data);
    const preview: KeptPreview = { seq: this.nextSeq++, mime, bytes };
    entry.previews.push(preview);
    this.account(entry, bytes.length);
    if (entry.previews.length > keptPerJob) this.account(entry, -(entry.previews.shift()?.bytes.length ?? 0));
    this.enforceBudget(promptId);
    this.shared?.save(promptId, ownerId, preview);
    return {
      seq: preview.seq,
      url: `/api/comfy/jobs/${encodeURIComponent(promptId)}/preview?seq=${preview.seq}`,
    };
  }

  /**
   * The preview `seq` of a job, when the user may see the job (its owner, curators and admins: the stream's
   * rule) and it is still kept; null otherwise, whatever the reason, so the answer reveals nothing.
   */
  find(user: AuthUser, promptId: string, seq: number): KeptPreview | null {
    const entry = this.jobs.get(promptId);
    if (!entry || !mayView(user, entry.ownerId)) return null;
    return entry.previews.find((preview) => preview.seq === seq) ?? null;
  }

  /** As `find`, then (scale-out) the latest preview in Redis of a job another replica follows. */
  async lookup(user: AuthUser, promptId: string, seq: number): Promise<KeptPreview | null> {
    const kept = this.find(user, promptId, seq);
    if (kept || !this.shared) return kept;
    const found = await this.shared.find(promptId, seq);
    return found && mayView(user, found.ownerId) ? found.preview : null;
  }

  /** The job is over: its previews go after the grace period (a browser may still be fetching the last). */
  end(promptId: string): void {
    const entry = this.jobs.get(promptId);
    if (!entry || entry.endTimer) return;
    entry.endTimer = setTimeout(() => this.forget(promptId, entry), this.config.comfyTuning.previewGraceMs);
    entry.endTimer.unref();
  }

  /** Counts for tests: jobs with kept previews and their bytes. */
  stats(): { jobs: number; bytes: number } {
    return { jobs: this.jobs.size, bytes: this.totalBytes };
  }

  private account(entry: JobEntry, delta: number): void {
    entry.bytes += delta;
    this.totalBytes += delta;
  }

  private forget(promptId: string, entry: JobEntry): void {
    if (this.jobs.get(promptId) !== entry) return;
    clearTimeout(entry.endTimer);
    this.jobs.delete(promptId);
    this.totalBytes -= entry.bytes;
  }

  /** Over budget: ended jobs first, then the earliest started (Map order), never the one just kept. */
  private enforceBudget(keep: string): void {
    if (this.totalBytes <= maxTotalBytes) return;
    for (const [promptId, entry] of this.jobs) {
      if (this.totalBytes <= maxTotalBytes) return;
      if (entry.endTimer) this.forget(promptId, entry);
    }
    for (const [promptId, entry] of this.jobs) {
      if (this.totalBytes <= maxTotalBytes) return;
      if (promptId !== keep) this.forget(promptId, entry);
    }
  }
}

/** The stream's rule: the job's owner, curators and admins. */
function mayView(user: AuthUser, ownerId: number): boolean {
  return ownerId === user.id || roleAtLeast(user.role, 'curator');
}

/** `?seq=<n>`, given once, and nothing else. */
export function parsePreviewSeq(query: Record<string, unknown>): number {
  const { seq, ...rest } = query;
  const errors: Record<string, string[]> = {};
  for (const key of Object.keys(rest)) errors[key] = ['is not a parameter of this route'];
  if (typeof seq !== 'string' || !/^[1-9]\d{0,15}$/.test(seq) || !Number.isSafeInteger(Number(seq))) {
    errors.seq = ['must be given once, as a positive integer'];
  }
  if (Object.keys(errors).length > 0) {
    throw new AppError('validation_failed', 'The preview reference is malformed', errors);
  }
  return Number(seq);
}

/** The preview's bytes, or 404 `not_found` alike for an unknown job, someone else's job and a preview gone. */
export function sendPreview(response: Response, preview: KeptPreview | null): void {
  if (!preview) throw new AppError('not_found', 'There is no such preview');
  response.status(200);
  response.setHeader('Content-Type', preview.mime);
  response.setHeader('Content-Length', preview.bytes.length);
  response.setHeader('Cache-Control', previewCacheControl);
  setUntrustedImageHeaders(response);
  response.end(preview.bytes);
}
