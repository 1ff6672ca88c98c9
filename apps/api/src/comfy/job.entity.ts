import type { ComfyImageRef, JobError, JobStatus, Role } from '@atelier/contract';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OwnedByUser } from '../users/owned-by-user.js';

export type JobKind = 'txt2img' | 'workflow';

/** One row of the job ledger (table shape only; never sent over HTTP, see job-views.ts). */
@Entity({ name: 'comfy_jobs' })
export class ComfyJobEntity extends OwnedByUser {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Ours (uuid v4), sent to ComfyUI with the prompt. */
  @Column({ name: 'prompt_id', type: 'text' })
  promptId!: string;

  @Column({ type: 'text' })
  kind!: JobKind;

  @Column({ type: 'text' })
  status!: JobStatus;

  /** The backend's client id: ComfyUI sends this job's events to that socket. */
  @Column({ name: 'comfy_client_id', type: 'text' })
  comfyClientId!: string;

  /** The browser's own id, only recorded and echoed. */
  @Column({ name: 'caller_client_id', type: 'text', nullable: true })
  callerClientId!: string | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  /** Hash of the request body: the same key with another body is a conflict, not a retry. */
  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash!: string | null;

  @Column({ type: 'simple-json' })
  workflow!: Record<string, unknown>;

  @Column({ type: 'simple-json', nullable: true })
  params!: Record<string, unknown> | null;

  /**
   * The UI workflow a graph job was queued as (POST /queue with one), for GET /jobs/:id/workflow?format=ui;
   * null otherwise. Not selected by default: no list or status read needs it (WorkflowExports reads it).
   */
  @Column({ name: 'ui_workflow', type: 'simple-json', nullable: true, select: false })
  uiWorkflow?: Record<string, unknown> | null;

  /** The template it was built from (`preset/<name>`, …); null for a caller's own graph. */
  @Column({ name: 'template_id', type: 'text', nullable: true })
  templateId!: string | null;

  /** That template's version (a content hash of its graph and contract). */
  @Column({ name: 'template_version', type: 'text', nullable: true })
  templateVersion!: string | null;

  @Column({ name: 'queue_number', type: 'real', nullable: true })
  queueNumber!: number | null;

  @Column({ type: 'simple-json' })
  images!: ComfyImageRef[];

  @Column({ type: 'simple-json', nullable: true })
  error!: JobError | null;

  @CreateDateColumn({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'submitted_at', type: Date, nullable: true })
  submittedAt!: Date | null;

  @Column({ name: 'started_at', type: Date, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: Date, nullable: true })
  finishedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: Date })
  updatedAt!: Date;

  /** The backend it was posted to (claimed while still `waiting`); null before that. */
  @Column({ name: 'backend_id', type: 'integer', nullable: true })
  backendId!: number | null;

  /** Order among its owner's waiting jobs (smaller first); real, so a move needs no renumbering. */
  @Column({ name: 'queue_position', type: 'real', nullable: true })
  queuePosition!: number | null;

  /** The owner's role when it was queued: its fair-share weight. */
  @Column({ name: 'owner_role', type: 'text', nullable: true })
  ownerRole!: Role | null;

  @Column({ name: 'gpu_seconds', type: 'real', nullable: true })
  gpuSeconds!: number | null;

  /** The prompt id of the job this one re-runs. */
  @Column({ name: 'retry_of', type: 'text', nullable: true })
  retryOf!: string | null;

  /** 1 for a first run; a retry counts on (a lost job is re-queued automatically only once). */
  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  /** The backend a retry should not go to (the one that lost it), when another can take it. */
  @Column({ name: 'avoid_backend_id', type: 'integer', nullable: true })
  avoidBackendId!: number | null;
}
