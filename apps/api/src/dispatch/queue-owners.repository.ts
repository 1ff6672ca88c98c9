import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { QueueOwnerEntity } from './queue-owner.entity.js';

export interface QueueSwitches {
  paused: boolean;
  autoRetry: boolean;
}

const defaults: QueueSwitches = { paused: false, autoRetry: true };

/** Each user's queue switches (pause, automatic retry). */
@Injectable()
export class QueueOwnersRepository {
  constructor(@InjectRepository(QueueOwnerEntity) private readonly rows: Repository<QueueOwnerEntity>) {}

  async all(): Promise<Map<number, QueueSwitches>> {
    const rows = await this.rows.find();
    return new Map(rows.map((row) => [row.userId, { paused: row.paused, autoRetry: row.autoRetry }]));
  }

  async of(userId: number): Promise<QueueSwitches> {
    const row = await this.rows.findOneBy({ userId });
    return row ? { paused: row.paused, autoRetry: row.autoRetry } : { ...defaults };
  }

  async set(userId: number, changes: Partial<QueueSwitches>): Promise<QueueSwitches> {
    const next = { ...(await this.of(userId)), ...changes };
    await this.rows.upsert({ userId, ...next }, ['userId']);
    return next;
  }
}
