import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, MoreThan, Not, Repository } from 'typeorm';
import { dialectOf, time } from '../database/dialect.js';
import { dateFrom, Sql } from '../database/sql.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';

export interface NewRefreshToken {
  userId: number;
  sessionId: string;
  tokenHash: string;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** One live session of a user, from its tokens. */
export interface SessionRow {
  sessionId: string;
  /** Its oldest token still kept (expired tokens are deleted). */
  createdAt: Date;
  /** Its newest token: the sign-in or the latest refresh. */
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

interface RawSessionRow {
  session_id: string;
  created_at: string | Date;
  last_seen_at: string | Date;
  expires_at: string | Date;
  user_agent: string | null;
  ip: string | null;
}

const liveSessionSql = `SELECT 1 AS "live" FROM "refresh_tokens" WHERE "session_id" = ? AND "revoked_at" IS NULL AND "expires_at" > ? LIMIT 1`;

@Injectable()
export class RefreshTokensRepository {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly rows: Repository<RefreshTokenEntity>,
    private readonly sql: Sql,
  ) {}

  async insert(token: NewRefreshToken): Promise<void> {
    await this.rows.insert(token);
  }

  /**
   * Revokes the token if it is still usable and returns it; null when it is unknown, expired or
   * already used. One UPDATE decides, so two concurrent refreshes with one token cannot both win.
   */
  async consume(tokenHash: string, now: Date): Promise<RefreshTokenEntity | null> {
    const result = await this.rows.update(
      { tokenHash, revokedAt: IsNull(), expiresAt: MoreThan(now) },
      { revokedAt: now },
    );
    if ((result.affected ?? 0) === 0) return null;
    return this.rows.findOneBy({ tokenHash });
  }

  findByHash(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.rows.findOneBy({ tokenHash });
  }

  /**
   * A session is live while one of its tokens is unrevoked and unexpired. Asked on every authenticated
   * request, so it is one prepared statement (on SQLite) read from the database each time (never cached:
   * a revoked session is refused on the very next request).
   */
  async isSessionActive(sessionId: string, now: Date): Promise<boolean> {
    return (await this.sql.get(liveSessionSql, [sessionId, now])) !== undefined;
  }

  async revokeSession(sessionId: string, now: Date): Promise<void> {
    await this.rows.update({ sessionId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async revokeUser(userId: number, now: Date): Promise<void> {
    await this.rows.update({ userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  /**
   * The user's live sessions (one with an unrevoked, unexpired token), newest activity first. Every
   * token of a session carries the same user agent and address, so MAX picks that one value.
   */
  async liveSessionsOf(userId: number, now: Date): Promise<SessionRow[]> {
    const rows = await this.rows
      .createQueryBuilder('t')
      .select('t.session_id', 'session_id')
      .addSelect('MIN(t.created_at)', 'created_at')
      .addSelect('MAX(t.created_at)', 'last_seen_at')
      .addSelect('MAX(t.expires_at)', 'expires_at')
      .addSelect('MAX(t.user_agent)', 'user_agent')
      .addSelect('MAX(t.ip)', 'ip')
      .where('t.user_id = :userId', { userId })
      .groupBy('t.session_id')
      .having('SUM(CASE WHEN t.revoked_at IS NULL AND t.expires_at > :now THEN 1 ELSE 0 END) > 0', {
        now: time(dialectOf(this.rows), now),
      })
      .orderBy('last_seen_at', 'DESC')
      .getRawMany<RawSessionRow>();
    return rows.map((row) => ({
      sessionId: row.session_id,
      createdAt: dateFrom(row.created_at),
      lastSeenAt: dateFrom(row.last_seen_at),
      expiresAt: dateFrom(row.expires_at),
      userAgent: row.user_agent,
      ip: row.ip,
    }));
  }

  /** Ends one session of this user; false when it is not theirs or already over. */
  async revokeSessionOf(userId: number, sessionId: string, now: Date): Promise<boolean> {
    const live = await this.rows.existsBy({
      userId,
      sessionId,
      revokedAt: IsNull(),
      expiresAt: MoreThan(now),
    });
    if (!live) return false;
    await this.revokeSession(sessionId, now);
    return true;
  }

  /** Ends every session of the user but the one named. */
  async revokeUserExcept(userId: number, keepSessionId: string, now: Date): Promise<void> {
    await this.rows.update(
      { userId, sessionId: Not(keepSessionId), revokedAt: IsNull() },
      { revokedAt: now },
    );
  }

  /** Keeps the table small: expired tokens can never be used again. */
  async deleteExpired(now: Date): Promise<void> {
    await this.rows.delete({ expiresAt: LessThan(now) });
  }
}
