import type { AuthUser, GalleryImageDetail, GalleryImagePatch, GalleryMime } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { isUiWorkflow } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { GalleryStorage } from './gallery-storage.js';
import { parseObject, toGalleryImageDetail } from './gallery-views.js';
import { isCode, isFileNow } from './image-files.js';
import type { StoredFile } from './image-store.js';
import { ImagesRepository, type ImageRecord } from './images.repository.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { GallerySearchService } from './search/gallery-search.service.js';
import { ImageSearchIndex } from './search/image-search-index.js';
import { canView, mayManage, type Viewer } from './search/search-predicates.js';
import { viewerOf } from './search/search-resolver.js';
import { normaliseTags } from './search/tags.js';
import { ReviewsRepository } from './review/reviews.repository.js';
import { thumbnailMaxSide, ThumbnailsService } from './thumbnails.service.js';

/** A file to answer with; see sendImageFile. */
export interface ImageFile {
  stored: StoredFile;
  mime: GalleryMime;
  /** Strong validator: the content hash (plus the thumbnail variant). */
  etag: string;
  filename: string;
  download: boolean;
  /** The file's bytes when they are at hand (thumbnails): answered from memory. */
  bytes?: Buffer;
}

/** The read side of the gallery and its curation fields; deletion is the trash's (trash/). */
@Injectable()
export class GalleryService {
  constructor(
    private readonly images: ImagesRepository,
    private readonly storage: GalleryStorage,
    private readonly thumbnails: ThumbnailsService,
    private readonly locks: KeyedLock,
    private readonly search: GallerySearchService,
    private readonly index: ImageSearchIndex,
    private readonly reviews: ReviewsRepository,
  ) {}

  /** The image with its parameters, curation and provenance; 404 when the user may not see it. */
  async get(id: number, user: AuthUser): Promise<GalleryImageDetail> {
    const item = await this.search.item(id, user);
    const record = await this.find(id);
    // The trail and the rejection note are between the owner and the curators.
    const review =
      viewerOf(user).seesAll || item.created_by.id === user.id
        ? await this.reviews.reviewOf(id)
        : { review: [], review_note: null };
    return { ...item, ...toGalleryImageDetail(record), ...review };
  }

  /**
   * The graph kept with an image, for GET /images/:id/workflow: its API prompt (or the UI workflow an ingested
   * file carried) and the job it came from; 404 when the user may not see it.
   */
  async keptGraph(
    id: number,
    user: AuthUser,
  ): Promise<{
    prompt: Record<string, unknown> | null;
    uiWorkflow: Record<string, unknown> | null;
    promptId: string | null;
  }> {
    const file = await this.images.findFile(id);
    if (!file || !canView(viewerOf(user), file)) throw notFound(id);
    const { image } = await this.find(id);
    const kept = parseObject(image.workflowJson);
    return isUiWorkflow(kept)
      ? { prompt: null, uiWorkflow: kept, promptId: image.promptId }
      : { prompt: kept, uiWorkflow: null, promptId: image.promptId };
  }

  /** Rating, favourite, tags, note: the image's owner, curators and admins. */
  async patch(id: number, patch: GalleryImagePatch, user: AuthUser): Promise<GalleryImageDetail> {
    const image = await this.images.findFile(id);
    const viewer = viewerOf(user);
    if (!image || !canView(viewer, image)) throw notFound(id);
    if (!mayManage(viewer, image.createdBy)) {
      throw new AppError('auth.forbidden', 'Only its owner or a curator can change this image');
    }
    await this.index.setCuration(id, {
      rating: patch.rating,
      favorite: patch.favorite,
      tags: patch.tags && normaliseTags(patch.tags),
      note: patch.note === undefined ? undefined : patch.note.trim() === '' ? null : patch.note,
    });
    return this.get(id, user);
  }

  async original(id: number, download: boolean, viewer: Viewer): Promise<ImageFile> {
    const image = await this.images.findFile(id);
    if (!image || !canView(viewer, image)) throw notFound(id);
    return {
      stored: this.storage.originalFile(image.relativePath),
      mime: image.mime,
      etag: `"${image.sha256}"`,
      filename: `${image.sha256}.${image.ext}`,
      download,
    };
  }

  /**
   * Makes the thumbnail again when it is missing on disk (deleted, or a new thumbnail dir). A trashed
   * image's thumbnail stays visible to those who may restore it, for the trash page.
   */
  async thumbnail(id: number, viewer: Viewer): Promise<ImageFile> {
    const image = await this.images.findFile(id);
    const visible = image && (image.trashed ? mayManage(viewer, image.createdBy) : canView(viewer, image));
    if (!image || !visible) throw notFound(id);
    const stored = this.storage.thumbnailFile(image.thumbnailPath);
    const local = stored.store.localPath(stored.key);
    // A synchronous stat of a local file costs a tenth of the thread-pool round trip, and every gallery
    // page asks for dozens of thumbnails.
    if (!(local !== null ? isFileNow(local) : await stored.store.exists(stored.key))) {
      // Under the image's lock, so a concurrent DELETE cannot be followed by a stray thumbnail.
      await this.locks.run(image.sha256, async () => {
        if (await stored.store.exists(stored.key)) return;
        const current = await this.find(id);
        await this.thumbnails.regenerate(current.image);
      });
    }
    let bytes: Buffer;
    try {
      bytes = await this.thumbnails.bytesOf(image.thumbnailPath);
    } catch (error) {
      // Removed since the check above (a concurrent DELETE).
      if (isCode(error, 'ENOENT', 'ENOTDIR'))
        throw new AppError('gallery.not_found', 'The file of this image is missing');
      throw error;
    }
    return {
      stored,
      mime: 'image/webp',
      etag: `"${image.sha256}-w${thumbnailMaxSide}"`,
      filename: `${image.sha256}.webp`,
      download: false,
      bytes,
    };
  }

  private async find(id: number): Promise<ImageRecord> {
    const record = await this.images.findById(id);
    if (!record) throw notFound(id);
    return record;
  }
}

function notFound(id: number): AppError {
  return new AppError('gallery.not_found', `There is no image ${id}`);
}
