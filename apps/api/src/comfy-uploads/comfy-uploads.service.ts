import type { AuthUser, ComfyUploadResponse } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { toComfyAppError } from '../comfy/comfy-errors.js';
import { ComfyService } from '../comfy/comfy.service.js';
import { ImageAccess } from '../comfy/image-access.js';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { isTrueWord } from '../common/boolean-words.js';
import type { UploadFieldsDto } from './comfy-uploads.dto.js';
import { inspectImage } from '../common/image-inspection.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { InputCopies } from './input-copies.js';
import { InputsOnBackend } from './inputs-on-backend.js';
import { loadImageValue, toUploadResponse, uploadNameOf } from './upload-views.js';
import { UploadsRepository } from './uploads.repository.js';

/** The part of a multer file this service reads. */
export interface UploadedFile {
  buffer: Buffer;
}

/** Where uploads go unless the caller names a subfolder: apart from files an admin put in the input folder. */
export const defaultSubfolder = 'atelier';

/**
 * POST /api/comfy/upload: checks the image (type from its bytes, size, pixels, decodable), names it after its
 * bytes, keeps a copy (for the other backends of the pool: InputsOnBackend copies it to whichever runs a job that
 * reads it), sends it to the default backend's input folder (`/upload/image`, overwrite) and records who uploaded
 * what.
 */
@Injectable()
export class ComfyUploadsService {
  private readonly logger = new Logger(ComfyUploadsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly comfy: ComfyService,
    private readonly uploads: UploadsRepository,
    private readonly locks: KeyedLock,
    private readonly access: ImageAccess,
    private readonly copies: InputCopies,
    private readonly onBackends: InputsOnBackend,
  ) {}

  async upload(
    user: AuthUser,
    file: UploadedFile | undefined,
    fields: UploadFieldsDto,
  ): Promise<ComfyUploadResponse> {
    if (!file) {
      throw new AppError('validation_failed', 'Send the image as the multipart part "image"', {
        image: ['is required'],
      });
    }
    const inspected = await inspectImage(file.buffer, {
      maxPixels: this.config.comfyUploads.maxPixels,
      part: 'image',
      invalidCode: 'validation_failed',
    });
    const wiring = this.comfy.require();
    const target = { subfolder: fields.subfolder ?? defaultSubfolder, name: uploadNameOf(inspected) };
    return this.locks.run(loadImageValue(target), async () => {
      await this.copies.save(target, file.buffer);
      let stored: { name: string; subfolder: string };
      try {
        stored = await wiring.client.uploadImage(file.buffer, target.name, {
          ...(target.subfolder ? { subfolder: target.subfolder } : {}),
          type: 'input',
          overwrite: true,
        });
      } catch (error) {
        throw toComfyAppError(error);
      }
      if (stored.name !== target.name || stored.subfolder !== target.subfolder) {
        // With overwrite ComfyUI keeps the name; anything else would point LoadImage elsewhere.
        this.logger.warn({ target, stored }, 'ComfyUI stored an upload under another name');
      }
      this.onBackends.uploaded(
        { id: wiring.backendId, generation: wiring.generation },
        loadImageValue(stored),
      );
      const row = await this.uploads.insert({
        ownerId: user.id,
        name: stored.name,
        subfolder: stored.subfolder,
        kind: fields.kind ?? 'image',
        sha256: inspected.sha256,
        bytes: file.buffer.length,
        mime: inspected.mime,
        width: inspected.width,
        height: inspected.height,
        ephemeral: isTrueWord(fields.ephemeral),
      });
      // Its uploader may view it (GET /api/comfy/view?type=input); other users may not.
      await this.access.grant(user.id, [
        { type: 'input', subfolder: stored.subfolder, filename: stored.name },
      ]);
      return toUploadResponse(row);
    });
  }
}
