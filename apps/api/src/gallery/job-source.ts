import type { ComfyImageRef, JobStatus } from '@atelier/contract';

/** What the gallery needs to know about a ComfyUI job. */
export interface GalleryJob {
  prompt_id: string;
  owner_id: number;
  /** The builder's parameters (txt2img jobs), kept in the sidecar as provenance. */
  params: Record<string, unknown> | null;
  /** The API-format prompt that ran. */
  workflow: Record<string, unknown> | null;
  images: ComfyImageRef[];
  status: JobStatus;
}

/**
 * The gallery's port to the job ledger and ComfyUI, so the gallery does not depend on the comfy
 * module. Bind it with a provider for GALLERY_JOB_SOURCE visible to GalleryModule (a @Global module
 * that exports it). Without one, ingest records no ledger params and from-job answers 503.
 */
export interface GalleryJobSource {
  /** The job as the ledger knows it, or null when the prompt id is unknown. */
  findJob(promptId: string): Promise<GalleryJob | null>;
  /** The bytes of one output image. Throw an AppError (e.g. `comfy.unreachable`) when it cannot. */
  fetchImage(ref: ComfyImageRef): Promise<Buffer>;
}

export const GALLERY_JOB_SOURCE = Symbol('GALLERY_JOB_SOURCE');
