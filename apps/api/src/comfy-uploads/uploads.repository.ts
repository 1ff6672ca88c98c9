import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, Repository } from 'typeorm';
import { ComfyUploadEntity } from './upload.entity.js';

export type NewUpload = Pick<
  ComfyUploadEntity,
  'ownerId' | 'name' | 'subfolder' | 'kind' | 'sha256' | 'bytes' | 'mime' | 'width' | 'height' | 'ephemeral'
>;

/** A file in ComfyUI's input folder. */
export interface InputFile {
  subfolder: string;
  name: string;
}

/** Named queries of the uploads table; the only file of this folder that touches TypeORM. */
@Injectable()
export class UploadsRepository {
  constructor(@InjectRepository(ComfyUploadEntity) private readonly rows: Repository<ComfyUploadEntity>) {}

  insert(upload: NewUpload): Promise<ComfyUploadEntity> {
    return this.rows.save(this.rows.create({ ...upload, promptId: null, deletedAt: null }));
  }

  /** The owner's uploads of these files that are still there. */
  findLive(ownerId: number, files: readonly InputFile[]): Promise<ComfyUploadEntity[]> {
    if (files.length === 0) return Promise.resolve([]);
    return this.rows.find({
      where: files.map((file) => ({ ownerId, ...file, deletedAt: IsNull() })),
    });
  }

  /** Anyone's uploads of these files that are still there (curators and admins may use them all). */
  findLiveOfAnyone(files: readonly InputFile[]): Promise<ComfyUploadEntity[]> {
    if (files.length === 0) return Promise.resolve([]);
    return this.rows.find({ where: files.map((file) => ({ ...file, deletedAt: IsNull() })) });
  }

  /** Records the first job that used these uploads (later jobs leave them as they are). */
  async linkToPrompt(ids: readonly number[], promptId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.rows
      .createQueryBuilder()
      .update()
      .set({ promptId })
      .whereInIds([...ids])
      .andWhere('prompt_id IS NULL')
      .execute();
  }

  /** Ephemeral uploads of a job that are still there. */
  findEphemeralOfPrompt(promptId: string): Promise<ComfyUploadEntity[]> {
    return this.rows.find({ where: { promptId, ephemeral: true, deletedAt: IsNull() } });
  }

  /** Every ephemeral upload still there. */
  findLiveEphemeral(): Promise<ComfyUploadEntity[]> {
    return this.rows.find({ where: { ephemeral: true, deletedAt: IsNull() } });
  }

  /** Whether another upload record still uses the same file. */
  async isFileShared(upload: ComfyUploadEntity): Promise<boolean> {
    const count = await this.rows.count({
      where: { subfolder: upload.subfolder, name: upload.name, deletedAt: IsNull(), id: Not(upload.id) },
    });
    return count > 0;
  }

  async markDeleted(id: number, at: Date): Promise<void> {
    await this.rows.update({ id, deletedAt: IsNull() }, { deletedAt: at });
  }

  findById(id: number): Promise<ComfyUploadEntity | null> {
    return this.rows.findOne({ where: { id } });
  }
}
