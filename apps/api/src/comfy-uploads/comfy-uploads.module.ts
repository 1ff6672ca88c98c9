import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComfyModule } from '../comfy/comfy.module.js';
import { AppConfig } from '../config/app-config.js';
import { EventsModule } from '../events/events.module.js';
import { ComfyUploadsController } from './comfy-uploads.controller.js';
import { ComfyUploadsService } from './comfy-uploads.service.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { InputCopies } from './input-copies.js';
import { InputsOnBackend } from './inputs-on-backend.js';
import { UploadCleanupService } from './upload-cleanup.service.js';
import { UploadedInputImages } from './uploaded-input-images.js';
import { ComfyUploadEntity } from './upload.entity.js';
import { JobInputEntity } from './job-input.entity.js';
import { JobInputs } from './job-inputs.js';
import { JobInputsRepository } from './job-inputs.repository.js';
import { UploadsRepository } from './uploads.repository.js';

/**
 * POST /api/comfy/upload, the uploads table and ephemeral cleanup. Exports UploadedInputImages: which uploads a
 * user may name in a run (comfy-templates/); and JobInputs: which uploads a job read (gallery/ lineage).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ComfyUploadEntity, JobInputEntity]),
    ComfyModule,
    EventsModule,
    // In memory: an aborted upload leaves no file behind.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.comfyUploads.maxBytes, files: 1, fields: 6, fieldSize: 1024, parts: 8 },
      }),
    }),
  ],
  controllers: [ComfyUploadsController],
  providers: [
    UploadsRepository,
    KeyedLock,
    ComfyUploadsService,
    UploadCleanupService,
    UploadedInputImages,
    InputCopies,
    InputsOnBackend,
    JobInputsRepository,
    JobInputs,
  ],
  exports: [UploadedInputImages, JobInputs],
})
export class ComfyUploadsModule {}
