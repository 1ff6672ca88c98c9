import type { ComfyUploadKind } from '@atelier/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One upload a job read (table shape only). Written when ComfyUI accepts the job; the content hash is
 * copied so the job's inputs stay known after the upload is deleted (ephemeral masks).
 */
@Entity({ name: 'comfy_job_inputs' })
export class JobInputEntity {
  @PrimaryColumn({ name: 'prompt_id', type: 'text' })
  promptId!: string;

  @PrimaryColumn({ name: 'upload_id', type: 'integer' })
  uploadId!: number;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'text' })
  kind!: ComfyUploadKind;

  /** Where the file first appears in the graph (node order), so "the job's input image" is well defined. */
  @Column({ type: 'integer' })
  position!: number;
}
