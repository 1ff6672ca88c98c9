import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ShareEntity } from './share.entity.js';

/** A share with the names its owner's list shows. */
export interface ShareRow extends ShareEntity {
  ownerUsername: string;
  boardName: string | null;
}

export type NewShare = Omit<ShareEntity, 'id' | 'views'>;

/** The shares table; the only file of sharing/ that runs queries. */
@Injectable()
export class SharesRepository {
  constructor(@InjectRepository(ShareEntity) private readonly rows: Repository<ShareEntity>) {}

  async insert(share: NewShare): Promise<number> {
    const saved = await this.rows.save(this.rows.create({ ...share, views: 0 }));
    return saved.id;
  }

  findByTokenHash(tokenHash: string): Promise<ShareEntity | null> {
    return this.rows.findOneBy({ tokenHash });
  }

  findById(id: number): Promise<ShareEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** Newest first; every owner's when `ownerId` is null (admins). */
  list(ownerId: number | null): Promise<ShareRow[]> {
    return this.rowsWhere(ownerId === null ? {} : { ownerId });
  }

  async findRow(id: number): Promise<ShareRow | null> {
    return (await this.rowsWhere({ id }))[0] ?? null;
  }

  private async rowsWhere(where: { ownerId?: number; id?: number }): Promise<ShareRow[]> {
    let query = this.rows
      .createQueryBuilder('s')
      .leftJoin('users', 'u', 'u.id = s.owner_id')
      .leftJoin('boards', 'b', 'b.id = s.board_id')
      .addSelect('u.username', 'owner_username')
      .addSelect('b.name', 'board_name')
      .orderBy('s.id', 'DESC');
    if (where.ownerId !== undefined)
      query = query.andWhere('s.owner_id = :ownerId', { ownerId: where.ownerId });
    if (where.id !== undefined) query = query.andWhere('s.id = :id', { id: where.id });
    const { entities, raw } = await query.getRawAndEntities<{
      owner_username: string | null;
      board_name: string | null;
    }>();
    return entities.map((entity, index) => ({
      ...entity,
      ownerUsername: raw[index]?.owner_username ?? '',
      boardName: raw[index]?.board_name ?? null,
    }));
  }

  async delete(id: number): Promise<boolean> {
    return ((await this.rows.delete({ id })).affected ?? 0) > 0;
  }

  async countView(id: number): Promise<void> {
    await this.rows.increment({ id }, 'views', 1);
  }
}
