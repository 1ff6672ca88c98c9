/**
 * Gallery search (GET /api/gallery/images, /facets, /compare, /images/:id/similar): the shapes
 * the API answers and the web sends. The query syntax itself lives in gallery-query.ts.
 */
import type { GalleryImage } from './gallery.js';

/** One LoRA as it was applied: its file name and model strength. */
export interface ImageLora {
  name: string;
  weight: number;
}

/** Where an image's parameters were read from, best first. */
export const imageParamsSources = ['params', 'graph', 'png', 'none'] as const;
export type ImageParamsSource = (typeof imageParamsSources)[number];

/**
 * The generation parameters of a gallery image, exact where Atelier ran the job. Null means
 * unknown (an upload without metadata, or a graph whose sampler could not be found).
 */
export interface ImageParams {
  positive: string | null;
  negative: string | null;
  checkpoint: string | null;
  loras: ImageLora[];
  sampler: string | null;
  scheduler: string | null;
  steps: number | null;
  cfg: number | null;
  seed: number | null;
  denoise: number | null;
  /** The generated size (the latent's), which may differ from the file after an upscale. */
  width: number | null;
  height: number | null;
  template_id: string | null;
  template_version: string | null;
  /** The ComfyUI server that ran it (its base URL's host) and its version, when known. */
  backend: string | null;
  backend_version: string | null;
  source: ImageParamsSource;
}

/** The review state of an image: only `approved` images are visible to the whole team. */
export const imageStatuses = ['private', 'pending', 'approved', 'rejected'] as const;
export type ImageStatus = (typeof imageStatuses)[number];

/**
 * What the `status` filter accepts: a review state, or `trashed` for the trash (an image's own
 * images for a plain user, every trashed image for curators and admins). Trashed images match
 * no other search.
 */
export const galleryStatusFilters = [...imageStatuses, 'trashed'] as const;
export type GalleryStatusFilter = (typeof galleryStatusFilters)[number];

export const gallerySorts = ['newest', 'oldest', 'rating', 'random'] as const;
export type GallerySort = (typeof gallerySorts)[number];

/** A gallery item in a search result: the image, its parameters, and its stack when collapsed. */
export interface GallerySearchItem extends GalleryImage {
  params: ImageParams;
  rating: number;
  favorite: boolean;
  tags: string[];
  status: ImageStatus;
  /** Present when `stacks` is on and the image is the cover of several that differ only by seed. */
  stack?: { key: string; count: number };
}

/**
 * The structured filters of a search. The API takes them as query parameters, each also
 * expressible inside `q` (see gallery-query.ts); values given both ways must all hold.
 */
export interface GalleryFilters {
  /** Free text in the query syntax: words, prefixes (`light*`), "phrases", -excluded, key:value. */
  q?: string;
  checkpoint?: string;
  lora?: string;
  sampler?: string;
  seed?: number;
  /** Username. */
  owner?: string;
  /** Inclusive dates or timestamps (ISO 8601, UTC). `to` as a date includes that whole day. */
  from?: string;
  to?: string;
  min_rating?: number;
  tag?: string;
  board?: number;
  status?: GalleryStatusFilter;
  /** `WIDTHxHEIGHT`, e.g. `1024x1024`. */
  size?: string;
  /** `square`, `portrait` or `landscape`. */
  aspect?: GalleryAspect;
  has_workflow?: boolean;
}

export const galleryAspects = ['square', 'portrait', 'landscape'] as const;
export type GalleryAspect = (typeof galleryAspects)[number];

/** GET /api/gallery/images: the filters plus order, stacking and page. */
export interface GallerySearchQuery extends GalleryFilters {
  sort?: GallerySort;
  /** For `sort=random`: the same seed gives the same order (default: a fixed one). */
  seed_order?: number;
  /** Collapse auto-stacks (default on). */
  stacks?: boolean;
  /** List the members of one stack (its `stack.key`), newest first. */
  stack?: string;
  cursor?: string;
  limit?: number;
}

export interface GallerySearchPage {
  items: GallerySearchItem[];
  next_cursor: string | null;
  /**
   * Matching images (a stack counts all its matching members): exact up to 250, above that an
   * estimate (`total_exact` false).
   */
  total_estimate: number;
  total_exact: boolean;
}

export interface FacetCount {
  value: string;
  count: number;
}

/** Facets count at most this many matches (the newest); more are estimated from them. */
export const galleryFacetSample = 20_000;

/** GET /api/gallery/facets: the top values of each field among the current matches. */
export interface GalleryFacets {
  checkpoints: FacetCount[];
  loras: FacetCount[];
  samplers: FacetCount[];
  tags: FacetCount[];
  owners: FacetCount[];
  /**
   * How many matches the counts were taken from. When the query matches more than the sample
   * (`galleryFacetSample`, 20,000), counts are scaled from the newest matches and `sampled` is true.
   */
  matches: number;
  sampled: boolean;
}

/** The parameters compared by GET /api/gallery/compare, in display order. */
export const comparedParams = [
  'positive',
  'negative',
  'checkpoint',
  'loras',
  'sampler',
  'scheduler',
  'steps',
  'cfg',
  'seed',
  'denoise',
  'width',
  'height',
  'template_id',
  'template_version',
  'backend',
  'owner',
  'tags',
  'rating',
] as const;
export type ComparedParam = (typeof comparedParams)[number];

/** GET /api/gallery/compare?ids=1,2,3 (2–50 ids): what the images share and what differs. */
export interface GalleryComparison {
  ids: number[];
  shared: Partial<Record<ComparedParam, unknown>>;
  /** One value per id, in the order of `ids`. */
  varies: Partial<Record<ComparedParam, unknown[]>>;
}

export const galleryCompareMinIds = 2;
export const galleryCompareMaxIds = 50;

/** GET /api/gallery/images/:id/similar?limit=: same checkpoint, closest prompt (full-text rank). */
export interface GallerySimilar {
  items: GallerySearchItem[];
}

export const galleryValueKinds = ['checkpoint', 'lora', 'sampler', 'tag', 'owner'] as const;
export type GalleryValueKind = (typeof galleryValueKinds)[number];

/** GET /api/gallery/values?kind=&prefix=&limit=: autocomplete for the search box (visible images only). */
export interface GalleryValues {
  kind: GalleryValueKind;
  values: string[];
}

/** PATCH /api/gallery/images/:id (the owner, a curator or an admin): curation fields. */
export interface GalleryImagePatch {
  /** 0–5 stars; 0 clears. */
  rating?: number;
  favorite?: boolean;
  /** Replaces the tags: normalised (trimmed, lower case, inner spaces as `-`), at most 50. */
  tags?: string[];
  /** Up to 4,000 characters; empty clears. */
  note?: string;
}

export const galleryTagPattern = '^[\\p{L}\\p{N}][\\p{L}\\p{N}_.:-]{0,63}$';
export const galleryMaxTags = 50;
export const galleryNoteMaxLength = 4000;
