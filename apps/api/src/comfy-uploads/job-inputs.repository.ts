import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { JobInputEntity } from './job-input.entity.js';

/** Named queries of comfy_job_inputs. */
@Injectable()
export class JobInputsRepository {
  constructor(@InjectRepository(JobInputEntity) private readonly rows: Repository<JobInputEntity>) {}

  /** Records what a job read; recording the same job again (a retry of the event) changes nothing. */
  async record(inputs: readonly JobInputEntity[]): Promise<void> {
    if (inputs.length === 0) return;
    await this.rows
      .createQueryBuilder()
      .insert()
      .values(inputs.map((input) => ({ ...input })))
      .orIgnore()
      .execute();
  }

  /** A job's inputs in graph order. */
  of(promptId: string): Promise<JobInputEntity[]> {
    return this.rows.find({ where: { promptId }, order: { position: 'ASC', uploadId: 'ASC' } });
  }
}
