import type { ComfyImageRef } from './comfy.js';

export type GalleryMime = 'image/png' | 'image/jpeg' | 'image/webp';

export interface GalleryImage {
  id: number;
  sha256: string;
  mime: GalleryMime;
  bytes: number;
  width: number;
  height: number;
  prompt_id: string | null;
  created_at: string;
  created_by: { id: number; username: string };
  file_url: string;
  thumbnail_url: string;
}

/** Where an image came from: enough to reproduce it or load its settings back into Generate. */
export interface GalleryProvenance {
  prompt_id: string | null;
  /** The builder's parameters when the job ledger knew them (caption, seed, steps, …). */
  params: Record<string, unknown> | null;
  workflow: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  source: ComfyImageRef | null;
}

export interface GalleryImageDetail extends GalleryImage {
  provenance: GalleryProvenance;
}

export interface GalleryPage {
  items: GalleryImage[];
  next_cursor: string | null;
}

export interface IngestResponse {
  image: GalleryImage;
  duplicate: boolean;
}

export interface IngestFromJobRequest {
  prompt_id: string;
  images?: ComfyImageRef[];
}

export interface IngestFromJobResponse {
  items: IngestResponse[];
}
