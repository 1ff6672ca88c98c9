import type { AuditAction } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditEntryEntity } from './audit-entry.entity.js';

export type NewAuditEntry = Omit<AuditEntryEntity, 'id'>;

export interface AuditPageFilter {
  action?: AuditAction;
  /** The id of the last entry the previous page showed. */
  beforeId?: number;
  limit: number;
}

/** Named queries of the audit log; the only file of the audit module that touches TypeORM. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEntryEntity) private readonly rows: Repository<AuditEntryEntity>) {}

  async insert(entry: NewAuditEntry): Promise<void> {
    await this.rows.insert(entry);
  }

  /** Newest first by id (ids grow with time); the primary key, or (action, id), serves it. */
  page(filter: AuditPageFilter): Promise<AuditEntryEntity[]> {
    const query = this.rows.createQueryBuilder('entry').orderBy('entry.id', 'DESC').limit(filter.limit);
    if (filter.action !== undefined) query.andWhere('entry.action = :action', { action: filter.action });
    if (filter.beforeId !== undefined) query.andWhere('entry.id < :beforeId', { beforeId: filter.beforeId });
    return query.getMany();
  }
}
