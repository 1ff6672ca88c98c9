import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One ComfyUI server of the pool (table shape only; never sent over HTTP, see backend-views.ts). */
@Entity({ name: 'comfy_backends' })
export class ComfyBackendEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  /** Null: the default backend following the `comfy_api_url` setting (or the managed server). */
  @Column({ type: 'text', nullable: true })
  url!: string | null;

  @Column({ name: 'is_default', type: 'boolean' })
  isDefault!: boolean;

  @Column({ type: 'real' })
  weight!: number;

  @Column({ type: 'simple-json' })
  tags!: string[];

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'boolean' })
  draining!: boolean;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;

  /** Removed by an admin; kept so jobs and usage still name it. */
  @Column({ name: 'deleted_at', type: Date, nullable: true })
  deletedAt!: Date | null;
}
