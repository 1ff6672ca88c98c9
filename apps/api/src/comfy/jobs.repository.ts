import type { JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import { ImageOwnersRepository } from './image-owners.repository.js';
import { ComfyJobEntity } from './job.entity.js';

export type NewJob = Pick<
  ComfyJobEntity,
  | 'promptId'
  | 'ownerId'
  | 'kind'
  | 'comfyClientId'
  | 'callerClientId'
  | 'idempotencyKey'
  | 'requestHash'
  | 'workflow'
  | 'params'
  | 'templateId'
  | 'templateVersion'
>;

export type JobChanges = Partial<
  Pick<
    ComfyJobEntity,
    'status' | 'queueNumber' | 'images' | 'error' | 'submittedAt' | 'startedAt' | 'finishedAt'
  >
>;

export interface JobListFilter {
  ownerId?: number;
  status?: JobStatus;
  /** Only rows with a smaller id (keyset paging, newest first). */
  beforeId?: number;
  limit: number;
}

const activeStatuses: JobStatus[] = ['queued', 'running'];

/** Named queries of the job ledger; the only file of the comfy module that touches TypeORM. */
@Injectable()
export class JobsRepository {
  constructor(
    @InjectRepository(ComfyJobEntity) private readonly rows: Repository<ComfyJobEntity>,
    private readonly owners: ImageOwnersRepository,
  ) {}

  /** Inserts a queued job, or returns null when its prompt id or (owner, idempotency key) exists. */
  async insert(job: NewJob): Promise<ComfyJobEntity | null> {
    try {
      return await this.rows.save(this.rows.create({ ...job, status: 'queued', images: [], error: null }));
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  findByPromptId(promptId: string): Promise<ComfyJobEntity | null> {
    return this.rows.findOne({ where: { promptId }, relations: { owner: true } });
  }

  findByIdempotencyKey(ownerId: number, idempotencyKey: string): Promise<ComfyJobEntity | null> {
    return this.rows.findOne({ where: { ownerId, idempotencyKey }, relations: { owner: true } });
  }

  async update(promptId: string, changes: JobChanges): Promise<void> {
    await this.recordOwners(promptId, changes);
    await this.rows.update({ promptId }, changes);
  }

  /** ComfyUI chose another id than ours (older servers ignore a client's prompt_id): the job goes by its. */
  async adoptPromptId(ours: string, theirs: string): Promise<void> {
    await this.rows.update({ promptId: ours }, { promptId: theirs });
  }

  /** Applies the changes only while the job is queued or running: a finished job's record is final. */
  async updateActive(promptId: string, changes: JobChanges): Promise<boolean> {
    await this.recordOwners(promptId, changes);
    const result = await this.rows.update({ promptId, status: In(activeStatuses) }, changes);
    return (result.affected ?? 0) > 0;
  }

  /**
   * A job's images become its owner's (GET /view serves them to no other user), written before the job row says
   * they exist; a row left by a write that then finds the job finished names images the job did produce.
   */
  private async recordOwners(promptId: string, changes: JobChanges): Promise<void> {
    if (changes.images && changes.images.length > 0) await this.owners.recordForJob(promptId, changes.images);
  }

  async delete(promptId: string): Promise<void> {
    await this.rows.delete({ promptId });
  }

  /** Jobs the ledger still thinks ComfyUI holds. */
  listActive(): Promise<ComfyJobEntity[]> {
    return this.rows.find({ where: { status: In(activeStatuses) }, order: { id: 'ASC' } });
  }

  list(filter: JobListFilter): Promise<ComfyJobEntity[]> {
    const query = this.rows
      .createQueryBuilder('job')
      .leftJoinAndSelect('job.owner', 'owner')
      .orderBy('job.id', 'DESC')
      // Each job has one owner, so a plain LIMIT is exact (take() would add a DISTINCT subquery).
      .limit(filter.limit);
    if (filter.ownerId !== undefined) query.andWhere('job.owner_id = :ownerId', { ownerId: filter.ownerId });
    if (filter.status !== undefined) query.andWhere('job.status = :status', { status: filter.status });
    if (filter.beforeId !== undefined) query.andWhere('job.id < :beforeId', { beforeId: filter.beforeId });
    return query.getMany();
  }
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE';
}
