import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyUploadsModule } from '../comfy-uploads/comfy-uploads.module.js';
import { LineageController } from './lineage/lineage.controller.js';
import { LineageRepository } from './lineage/lineage.repository.js';
import { LineageService } from './lineage/lineage.service.js';
import { EventsModule } from '../events/events.module.js';
import { GalleryController } from './gallery.controller.js';
import { ImageWorkflowController } from './image-workflow.controller.js';
import { GalleryService } from './gallery.service.js';
import { GalleryStorage } from './gallery-storage.js';
import { FileImageStore } from './file-image-store.js';
import { ImageStore } from './image-store.js';
import { ImageEntity } from './image.entity.js';
import { ImagesRepository } from './images.repository.js';
import { IngestController } from './ingest.controller.js';
import { IngestService } from './ingest.service.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { ThumbnailsService } from './thumbnails.service.js';
import { ThumbnailBackfill } from './thumbnail-backfill.js';
import { ThumbnailBackfillController } from './thumbnail-backfill.controller.js';
import { ThumbnailBackfillRepository } from './thumbnail-backfill.repository.js';
import { GallerySearchController } from './search/gallery-search.controller.js';
import { gallerySearchEngineProvider } from './search/gallery-search-engine.provider.js';
import { GallerySearchService } from './search/gallery-search.service.js';
import { GalleryTerms } from './search/gallery-terms.js';
import { ImageSearchIndex } from './search/image-search-index.js';
import { SearchResolver } from './search/search-resolver.js';
import { SelectionResolver } from './search/selection.js';
import { TrashPurge } from './trash/trash-purge.js';
import { TrashService } from './trash/trash.service.js';
import { AutoCaptureService } from './review/auto-capture.service.js';
import { KeepController } from './review/keep.controller.js';
import { KeepService } from './review/keep.service.js';
import { ReviewController } from './review/review.controller.js';
import { ReviewQueueService } from './review/review-queue.service.js';
import { ReviewService } from './review/review.service.js';
import { ReviewsRepository } from './review/reviews.repository.js';
import { BoardsController } from './boards/boards.controller.js';
import { BoardsRepository } from './boards/boards.repository.js';
import { BoardsService } from './boards/boards.service.js';
import { BulkController } from './bulk/bulk.controller.js';
import { BulkService } from './bulk/bulk.service.js';
import { ExportController } from './export/export.controller.js';
import { ExportBuilds } from './export/export-builds.js';
import { ExportBuildsController } from './export/export-builds.controller.js';
import { ExportBuildsRepository } from './export/export-builds.repository.js';
import { ExportRepository } from './export/export.repository.js';
import { ExportService } from './export/export.service.js';
import { SharedImages } from './shared-images.js';

/**
 * Ingest (/api/comfy/ingest), thumbnails and the gallery read side (/api/gallery). Jobs and their
 * images come from the comfy module's JobOutputs; the uploads a job read (lineage) from comfy-uploads' JobInputs.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ImageEntity]),
    ComfyModule,
    // JobInputs: which uploads a job read, so an image made from another names its parent (lineage/).
    ComfyUploadsModule,
    EventsModule,
    // No storage option: multer keeps the upload in memory, so an aborted upload leaves no file.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: {
          fileSize: config.gallery.ingestMaxBytes,
          files: 1,
          fields: 8,
          // Workflows in UI format run to a few hundred KiB.
          fieldSize: 8 * 1024 * 1024,
          parts: 12,
        },
      }),
    }),
  ],
  controllers: [
    ImageWorkflowController,
    IngestController,
    GalleryController,
    GallerySearchController,
    KeepController,
    ReviewController,
    BoardsController,
    BulkController,
    ExportController,
    ExportBuildsController,
    LineageController,
    ThumbnailBackfillController,
  ],
  providers: [
    ImagesRepository,
    // Files on the shared `generated/` mount; an object store would be another ImageStore.
    { provide: ImageStore, useClass: FileImageStore },
    GalleryStorage,
    ThumbnailsService,
    ThumbnailBackfillRepository,
    ThumbnailBackfill,
    KeyedLock,
    IngestService,
    GalleryService,
    GalleryTerms,
    ImageSearchIndex,
    SearchResolver,
    gallerySearchEngineProvider,
    GallerySearchService,
    SelectionResolver,
    TrashService,
    TrashPurge,
    ReviewsRepository,
    ReviewService,
    ReviewQueueService,
    KeepService,
    AutoCaptureService,
    BoardsRepository,
    BoardsService,
    BulkService,
    ExportRepository,
    ExportService,
    ExportBuilds,
    ExportBuildsRepository,
    LineageRepository,
    LineageService,
    SharedImages,
  ],
  // SharedImages: share links (sharing/) read the gallery as their owner sees it now.
  exports: [GalleryService, ReviewService, SharedImages, ImageStore],
})
export class GalleryModule {}
