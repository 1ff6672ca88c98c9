import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One user's queue switches; no row = the defaults (running, automatic retry on). */
@Entity({ name: 'comfy_queue_owners' })
export class QueueOwnerEntity {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  /** A job of theirs that a backend lost is queued again once, on another backend when there is one. */
  @Column({ name: 'auto_retry', type: 'boolean', default: true })
  autoRetry!: boolean;

  @UpdateDateColumn({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
