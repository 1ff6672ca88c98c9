import type { ImageParams } from './gallery-search.js';
import type { GalleryMime } from './gallery.js';

/** What a share link shows: one image, a fixed selection, or a board (a smart board as of each view). */
export type ShareTarget = { image_id: number } | { ids: number[] } | { board_id: number };
export type ShareKind = 'image' | 'selection' | 'board';

/** A share names at most this many images; a board's link shows its newest this many. */
export const shareMaxImages = 500;
export const sharePasswordMaxLength = 200;

/** POST /api/shares. */
export interface ShareCreate {
  target: ShareTarget;
  /** ISO 8601; must lie in the future. Omitted or null: the link never expires. */
  expires_at?: string | null;
  /** Omitted or empty: no password. */
  password?: string;
  /** Hide prompts, workflows and parameters on the page and strip them from the files. Default true. */
  redact?: boolean;
  /** Offer an attachment download (`?download=1`). Default false. */
  allow_download?: boolean;
}

/** A share as its owner (or an admin) lists it; the token itself is shown only once, at creation. */
export interface Share {
  id: number;
  kind: ShareKind;
  owner: { id: number; username: string };
  /** The image ids of an image or selection share; null for a board's. */
  image_ids: number[] | null;
  board: { id: number; name: string } | null;
  expires_at: string | null;
  has_password: boolean;
  redact: boolean;
  allow_download: boolean;
  views: number;
  created_at: string;
}

/** POST /api/shares answers the share with its token and the page's path (`/s/<token>`), once. */
export interface ShareCreated extends Share {
  token: string;
  url: string;
}

export interface ShareList {
  items: Share[];
}

/** One image on the public page; `params` is null when the share redacts them. */
export interface PublicShareImage {
  id: number;
  mime: GalleryMime;
  width: number;
  height: number;
  created_at: string;
  thumbnail_url: string;
  file_url: string;
  /** Null unless the share allows downloads. */
  download_url: string | null;
  params: ImageParams | null;
}

/** GET /api/public/shares/:token: exactly the shared images, newest first. */
export interface PublicShare {
  kind: ShareKind;
  title: string | null;
  expires_at: string | null;
  redact: boolean;
  allow_download: boolean;
  images: PublicShareImage[];
}

/** POST /api/public/shares/:token/unlock. */
export interface ShareUnlock {
  password: string;
}

/** The path of a share's public page. */
export function sharePagePath(token: string): string {
  return `/s/${token}`;
}
