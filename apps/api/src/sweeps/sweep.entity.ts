import type { SweepAxis, SweepBase } from '@atelier/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { OwnedByUser } from '../users/owned-by-user.js';

/** A sweep's request as it was run (a drawn seed filled in). */
export interface SweepRequestAsRun {
  base: SweepBase;
  axes: SweepAxis[];
}

/** One sweep (table shape only; never sent over HTTP, see sweep-views.ts). */
@Entity({ name: 'comfy_sweeps' })
export class SweepEntity extends OwnedByUser {
  /** uuid v4. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  /** Hash of the body as sent: the same key with another body is a conflict, not a retry. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** The request as run: `{base, axes}`, with the seed drawn for a txt2img base that had none. */
  @Column({ type: 'simple-json' })
  request!: SweepRequestAsRun;

  @Column({ name: 'job_count', type: 'integer' })
  jobCount!: number;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}

/** Which job renders one cell of a sweep. */
@Entity({ name: 'comfy_sweep_cells' })
export class SweepCellEntity {
  @PrimaryColumn({ name: 'sweep_id', type: 'varchar', length: 36 })
  sweepId!: string;

  @PrimaryColumn({ type: 'integer' })
  x!: number;

  @PrimaryColumn({ type: 'integer' })
  y!: number;

  @PrimaryColumn({ type: 'integer' })
  z!: number;

  @Column({ name: 'prompt_id', type: 'text' })
  promptId!: string;
}
