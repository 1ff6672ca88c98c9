import type { ComfyImageRef } from './comfy.js';
import type { GallerySearchItem } from './gallery-search.js';
import type { ReviewEntry } from './gallery-curation.js';

export type GalleryMime = 'image/png' | 'image/jpeg' | 'image/webp';

export interface GalleryImage {
  id: number;
  sha256: string;
  mime: GalleryMime;
  bytes: number;
  /** As displayed (after EXIF orientation). */
  width: number;
  height: number;
  prompt_id: string | null;
  created_at: string;
  created_by: { id: number; username: string };
  /** The original: GET, `?download=1` for an attachment. */
  file_url: string;
  /** WebP, at most 512 px a side. */
  thumbnail_url: string;
}

/** Where an image came from: enough to reproduce it or load its settings back into Generate. */
export interface GalleryProvenance {
  prompt_id: string | null;
  /** The builder's parameters when the job ledger knew them (caption, seed, steps, …). */
  params: Record<string, unknown> | null;
  workflow: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  /** The ComfyUI output it was fetched from (POST /api/comfy/ingest/from-job); null for uploads. */
  source: ComfyImageRef | null;
}

export interface GalleryImageDetail extends GallerySearchItem {
  provenance: GalleryProvenance;
  note: string | null;
  /** The review trail, oldest first: its owner, curators and admins see it (empty for others). */
  review: ReviewEntry[];
  /** The last rejection's note, for the owner (null for others, and once approved). */
  review_note: string | null;
}

export const galleryPageDefaultLimit = 50;
export const galleryPageMaxLimit = 100;

export interface GalleryPage {
  items: GalleryImage[];
  /** Null on the last page. */
  next_cursor: string | null;
}

/**
 * The text fields of the multipart POST /api/comfy/ingest, next to the `file` part.
 * `workflow` and `metadata` are JSON objects serialised as strings.
 */
export interface IngestFields {
  prompt_id?: string;
  workflow?: string;
  metadata?: string;
}

/** Prompt ids accepted by ingest: UUIDs and similar (letters, digits, `-`, `_`; up to 128). */
export const ingestPromptIdPattern = '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$';

export interface IngestResponse {
  image: GalleryImage;
  /** True when these bytes were kept already: `image` is the existing record (HTTP 200, else 201). */
  duplicate: boolean;
  /** Present (true) when these bytes were in the trash and keeping them again restored the image. */
  restored?: boolean;
}

export interface IngestFromJobRequest {
  prompt_id: string;
  /** A subset of the job's images; all of them when absent. */
  images?: ComfyImageRef[];
}

export interface IngestFromJobResponse {
  items: IngestResponse[];
}

/** Children listed by GET /api/gallery/images/:id/lineage, newest first. */
export const galleryLineageMaxChildren = 100;

/**
 * GET /api/gallery/images/:id/lineage: the image it was made from (img2img, inpainting: the job's input
 * image matched by content hash) and the images made from it, as far as the caller may see them: a
 * parent they may not see is `null`, like no parent at all.
 */
export interface GalleryLineage {
  parent: GallerySearchItem | null;
  children: GallerySearchItem[];
}
