import type { AuditAction, AuditTargetType } from '@atelier/contract';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Table shape only; never sent over HTTP (see AuditEntry). */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  /** ISO-8601 UTC with milliseconds, set by the app. */
  @Column({ type: 'text' })
  at!: string;

  /** Null for the system actor: Atelier itself (migration 1765000000000). */
  @Column({ name: 'actor_id', type: 'integer', nullable: true })
  actorId!: number | null;

  /** As it was when the action happened. */
  @Column({ name: 'actor_username', type: 'text' })
  actorUsername!: string;

  @Column({ type: 'text' })
  action!: AuditAction;

  @Column({ name: 'target_type', type: 'text' })
  targetType!: AuditTargetType;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ name: 'target_label', type: 'text', nullable: true })
  targetLabel!: string | null;

  @Column({ name: 'details_json', type: 'text' })
  detailsJson!: string;
}
