/**
 * ZIP exports built in the background (issue 16): a selection past either threshold is written to a file
 * by a `gallery.export` job on any replica, polled, then downloaded; smaller ones stream from
 * GET /api/gallery/export.zip during the request. Both sides read the thresholds from here.
 */
export const exportBackgroundMinImages = 500;
export const exportBackgroundMinBytes = 1024 ** 3;

/** How long a built export stays downloadable before a sweep removes its file and its row. */
export const exportBuildTtlMs = 24 * 60 * 60 * 1000;

/** Whether a selection of `images` (and `bytes` when known) is built in the background. */
export function exportNeedsBackground(images: number, bytes = 0): boolean {
  return images > exportBackgroundMinImages || bytes > exportBackgroundMinBytes;
}

export type ExportBuildStatus = 'queued' | 'running' | 'ready' | 'failed';

/** 202 of POST /api/gallery/exports. */
export interface ExportBuildCreated {
  id: string;
  status: 'queued';
  images: number;
  bytes: number;
}

/** GET /api/gallery/exports/:id. */
export interface ExportBuildView {
  id: string;
  status: ExportBuildStatus;
  /** Bytes written over `bytes`, 0 to 1. */
  progress: number;
  bytes: number;
  images: number;
  filename: string;
  /** Why the last attempt failed (kept while a retry waits, and once it has failed for good). */
  error?: string;
  createdAt: string;
  expiresAt: string;
}
