import type { ComfyUploadKind, ComfyUploadMime } from '@atelier/contract';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { OwnedByUser } from '../users/owned-by-user.js';

/** One input image sent to ComfyUI (table shape only; never sent over HTTP, see upload-views.ts). */
@Entity({ name: 'comfy_uploads' })
export class ComfyUploadEntity extends OwnedByUser {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Chosen by Atelier: `atelier-<sha256 prefix>.<ext>`. */
  @Column({ type: 'text' })
  name!: string;

  /** Under ComfyUI's input folder; '' for the folder itself. */
  @Column({ type: 'text' })
  subfolder!: string;

  @Column({ type: 'text' })
  kind!: ComfyUploadKind;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'integer' })
  bytes!: number;

  @Column({ type: 'text' })
  mime!: ComfyUploadMime;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ type: 'boolean' })
  ephemeral!: boolean;

  /** The first job that used it (set when ComfyUI accepted the job). */
  @Column({ name: 'prompt_id', type: 'text', nullable: true })
  promptId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'deleted_at', type: Date, nullable: true })
  deletedAt!: Date | null;
}
