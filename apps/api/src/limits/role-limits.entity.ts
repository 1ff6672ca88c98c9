import type { Role } from '@atelier/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One role's caps; NULL = unlimited. Table shape only: the API answers RoleLimitsResponse. */
@Entity({ name: 'comfy_role_limits' })
export class RoleLimitsEntity {
  @PrimaryColumn({ type: 'text' })
  role!: Role;

  @Column({ name: 'max_waiting', type: 'integer', nullable: true })
  maxWaiting!: number | null;

  @Column({ name: 'max_running', type: 'integer', nullable: true })
  maxRunning!: number | null;

  @Column({ name: 'max_steps', type: 'integer', nullable: true })
  maxSteps!: number | null;

  @Column({ name: 'max_pixels', type: 'integer', nullable: true })
  maxPixels!: number | null;

  @Column({ name: 'max_batch_size', type: 'integer', nullable: true })
  maxBatchSize!: number | null;

  @Column({ name: 'gpu_seconds_per_day', type: 'real', nullable: true })
  gpuSecondsPerDay!: number | null;

  @Column({ type: 'real', default: 1 })
  weight!: number;

  @Column({ name: 'updated_by', type: 'integer', nullable: true })
  updatedBy!: number | null;

  /** Set by the app on each edit; null while the seeded defaults stand. */
  @Column({ name: 'updated_at', type: Date, nullable: true })
  updatedAt!: Date | null;
}
