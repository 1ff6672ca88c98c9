/**
 * Curation (issue 12): keep, review, boards, bulk actions, trash and export — the shapes the API
 * answers and the web sends.
 */
import type { ComfyImageRef } from './comfy.js';
import type { GalleryFilters, GallerySearchItem } from './gallery-search.js';
import type { IngestResponse } from './gallery.js';

/** POST /api/gallery/keep: any user keeps outputs of their own finished job (private until approved). */
export interface KeepRequest {
  prompt_id: string;
  /** A subset of the job's images; all of them when absent. */
  images?: ComfyImageRef[];
}

export interface KeepResponse {
  items: IngestResponse[];
}

export const boardVisibilities = ['private', 'team'] as const;
export type BoardVisibility = (typeof boardVisibilities)[number];

/** A board: manual (images added by hand) or smart (`query`: a saved search that stays current). */
export interface Board {
  id: number;
  name: string;
  visibility: BoardVisibility;
  owner: { id: number; username: string };
  /** Set for a smart board: the search it shows (the viewer's visibility still applies). */
  query: GalleryFilters | null;
  /** The image shown for the board (the newest visible one when none was chosen). */
  cover: { id: number; thumbnail_url: string } | null;
  /** Images the viewer can see on it (for a smart board: matches, estimated above 250). */
  count: number;
  created_at: string;
  updated_at: string;
}

export interface BoardList {
  items: Board[];
}

/** POST /api/boards. */
export interface BoardCreate {
  name: string;
  visibility?: BoardVisibility;
  query?: GalleryFilters | null;
}

/** PATCH /api/boards/:id: any subset; `query: null` makes a smart board manual (empty). */
export interface BoardPatch {
  name?: string;
  visibility?: BoardVisibility;
  query?: GalleryFilters | null;
  cover_image_id?: number | null;
}

export const boardNameMaxLength = 100;

/** Which images a bulk action or an export is about: chosen ids, or everything a search matches. */
export type GallerySelection = { ids: number[] } | { query: GalleryFilters & { board?: number } };

export const bulkActionTypes = [
  'tag',
  'untag',
  'rate',
  'favorite',
  'board_add',
  'board_remove',
  'submit',
  'approve',
  'reject',
  'trash',
  'restore',
] as const;
export type BulkActionType = (typeof bulkActionTypes)[number];

export type BulkAction =
  | { type: 'tag' | 'untag'; tags: string[] }
  | { type: 'rate'; rating: number }
  | { type: 'favorite'; favorite: boolean }
  | { type: 'board_add' | 'board_remove'; board_id: number }
  | { type: 'submit' | 'approve' | 'trash' | 'restore' }
  | { type: 'reject'; note?: string };

/** POST /api/gallery/bulk. */
export interface BulkRequest {
  selection: GallerySelection;
  action: BulkAction;
}

/** How many images the action changed (those it applied to and that were not that way already). */
export interface BulkResponse {
  affected: number;
  /** The selection's images the user may not act on (another's image for a plain user, …). */
  skipped: number;
  /**
   * The requests that put back exactly what this one changed (by the changed ids), for an Undo
   * button; null when the action cannot be undone that way (review decisions) or changed more than
   * bulkUndoMaxIds images.
   */
  undo: BulkRequest[] | null;
}

export const bulkUndoMaxIds = 10_000;

/** Ids-only selections and "all matching" both stop here; larger sets run in resumable batches. */
export const bulkMaxIds = 10_000;

export const reviewDecisions = ['submitted', 'approved', 'rejected', 'withdrawn'] as const;
export type ReviewDecision = (typeof reviewDecisions)[number];

/** One entry of an image's review trail. */
export interface ReviewEntry {
  decision: ReviewDecision;
  note: string | null;
  by: { id: number; username: string };
  at: string;
}

/** A rejection's note (POST /api/gallery/bulk `reject`), shown to the image's owner. */
export const reviewNoteMaxLength = 2000;

/** GET /api/review?cursor=&limit=: 1–100, default 50. */
export interface ReviewQuery {
  cursor?: string;
  limit?: number;
}

/** GET /api/review?cursor=: the pending queue, oldest submission first (curators). */
export interface ReviewPage {
  items: (GallerySearchItem & { submitted_at: string; review_note: string | null })[];
  next_cursor: string | null;
  total_estimate: number;
}

/** Export options: GET /api/gallery/export.zip?ids=… or search filters, `sidecars=1`, `redact=1`. */
export interface ExportOptions {
  /** Add each image's JSON sidecar. */
  sidecars?: boolean;
  /** Strip prompts and workflows from the copies (PNG text chunks, sidecar params). */
  redact?: boolean;
}

export const exportMaxImages = 10_000;
