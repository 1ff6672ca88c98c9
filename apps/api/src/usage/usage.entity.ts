import type { Role } from '@atelier/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Ended jobs and their GPU-seconds for one UTC day, user, role and backend. Never sent over HTTP. */
@Entity({ name: 'comfy_usage_daily' })
export class UsageDailyEntity {
  /** `YYYY-MM-DD`, UTC. */
  @PrimaryColumn({ type: 'text' })
  day!: string;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  /** The owner's role when the job was queued. */
  @PrimaryColumn({ type: 'text' })
  role!: Role;

  @PrimaryColumn({ name: 'backend_id', type: 'integer' })
  backendId!: number;

  @Column({ type: 'integer', default: 0 })
  jobs!: number;

  @Column({ name: 'gpu_seconds', type: 'real', default: 0 })
  gpuSeconds!: number;
}
