import type { GalleryMime } from '@atelier/contract';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Table shape only; never sent over HTTP (see GalleryImage). JSON columns hold serialized text. The search
 * and curation columns (migration GallerySearch1764500000000) are not mapped: ImageSearchIndex writes them.
 */
@Entity({ name: 'gallery_images' })
export class ImageEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'text' })
  mime!: GalleryMime;

  @Column({ type: 'text' })
  ext!: string;

  @Column({ type: 'integer' })
  bytes!: number;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  /** Relative to the image dir, with forward slashes: `YYYY-MM-DD/<sha256>.<ext>`. */
  @Column({ name: 'relative_path', type: 'text' })
  relativePath!: string;

  /** Relative to the thumbnail dir: `<sha256>.webp`. */
  @Column({ name: 'thumbnail_path', type: 'text' })
  thumbnailPath!: string;

  @Column({ name: 'prompt_id', type: 'text', nullable: true })
  promptId!: string | null;

  @Column({ name: 'params_json', type: 'text', nullable: true })
  paramsJson!: string | null;

  @Column({ name: 'workflow_json', type: 'text', nullable: true })
  workflowJson!: string | null;

  @Column({ name: 'metadata_json', type: 'text' })
  metadataJson!: string;

  @Column({ name: 'source_json', type: 'text', nullable: true })
  sourceJson!: string | null;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy!: number;

  /** ISO-8601 UTC with milliseconds, set by the app (sorts as text; see the migration). */
  @Column({ name: 'created_at', type: 'text' })
  createdAt!: string;
}
