import type { Role, UsageDayString } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UsageDailyEntity } from './usage.entity.js';

/** What one ended job adds to its day. */
export interface UsageAddition {
  day: UsageDayString;
  userId: number;
  role: Role;
  backendId: number;
  jobs: number;
  gpuSeconds: number;
}

/** One stored row, with its user's current name (null when the user is gone). */
export interface UsageDetail extends UsageAddition {
  username: string | null;
}

interface DetailRow {
  day: string;
  user_id: number;
  role: Role;
  backend_id: number;
  jobs: number;
  gpu_seconds: number;
  username: string | null;
}

/** Named queries of the daily usage table; the only file of the usage feature that touches TypeORM. */
@Injectable()
export class UsageRepository {
  constructor(@InjectRepository(UsageDailyEntity) private readonly rows: Repository<UsageDailyEntity>) {}

  /** Adds to the (day, user, backend, role) row, creating it; one statement, so concurrent ends both count. */
  async add(a: UsageAddition): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .into(UsageDailyEntity)
      .values({
        day: a.day,
        userId: a.userId,
        role: a.role,
        backendId: a.backendId,
        jobs: a.jobs,
        gpuSeconds: a.gpuSeconds,
      })
      // SQLite and Postgres both take this upsert.
      .onConflict(
        `("day", "user_id", "backend_id", "role") DO UPDATE SET
           "jobs" = "comfy_usage_daily"."jobs" + excluded."jobs",
           "gpu_seconds" = "comfy_usage_daily"."gpu_seconds" + excluded."gpu_seconds"`,
      )
      .execute();
  }

  /** Each user's GPU-seconds on one day (today's quota tally at boot). */
  async secondsByUser(day: UsageDayString): Promise<Map<number, number>> {
    const rows = await this.rows
      .createQueryBuilder('d')
      .select('d.user_id', 'user_id')
      .addSelect('SUM(d.gpu_seconds)', 'seconds')
      .where('d.day = :day', { day })
      .groupBy('d.user_id')
      .getRawMany<{ user_id: number; seconds: number | string }>();
    return new Map(rows.map((row) => [Number(row.user_id), Number(row.seconds)]));
  }

  /** Every row of a day range (both ends included), optionally one user's, in day order. */
  async range(from: UsageDayString, to: UsageDayString, userId?: number): Promise<UsageDetail[]> {
    const query = this.rows
      .createQueryBuilder('d')
      .leftJoin('users', 'u', 'u.id = d.user_id')
      .select(['d.day AS day', 'd.user_id AS user_id', 'd.role AS role', 'd.backend_id AS backend_id'])
      .addSelect(['d.jobs AS jobs', 'd.gpu_seconds AS gpu_seconds', 'u.username AS username'])
      .where('d.day >= :from AND d.day <= :to', { from, to })
      .orderBy('d.day')
      .addOrderBy('d.user_id')
      .addOrderBy('d.backend_id')
      .addOrderBy('d.role');
    if (userId !== undefined) query.andWhere('d.user_id = :userId', { userId });
    const rows = await query.getRawMany<DetailRow>();
    return rows.map((row) => ({
      day: row.day,
      userId: Number(row.user_id),
      role: row.role,
      backendId: Number(row.backend_id),
      jobs: Number(row.jobs),
      gpuSeconds: Number(row.gpu_seconds),
      username: row.username,
    }));
  }
}
