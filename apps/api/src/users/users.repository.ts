import type { Role } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/dialect.js';
import { Sql } from '../database/sql.js';
import { UserEntity } from './user.entity.js';

export interface NewUser {
  username: string;
  passwordHash: string;
  role: Role;
}

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
}

/** What the session check needs of an enabled user. */
export interface ActiveUserRow {
  id: number;
  username: string;
  role: Role;
  mustChangePassword: boolean;
}

/** Disabled users never count: `NOT "disabled"` reads a SQLite 0/1 and a Postgres boolean alike. */
const enabledByIdSql = `SELECT "id", "username", "role", "must_change_password" AS "must_change" FROM "users" WHERE "id" = ? AND NOT "disabled"`;

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly rows: Repository<UserEntity>,
    private readonly sql: Sql,
  ) {}

  /**
   * The enabled user with this id, or null. Run on every authenticated request: one prepared statement
   * (on SQLite), read from the database each time (never cached: a disabled or demoted user counts at once).
   */
  async findEnabled(id: number): Promise<ActiveUserRow | null> {
    const row = await this.sql.get<{
      id: number;
      username: string;
      role: Role;
      must_change: number | boolean;
    }>(enabledByIdSql, [id]);
    return row
      ? { id: row.id, username: row.username, role: row.role, mustChangePassword: Boolean(row.must_change) }
      : null;
  }

  list(): Promise<UserEntity[]> {
    return this.rows.find({ order: { id: 'ASC' } });
  }

  count(): Promise<number> {
    return this.rows.count();
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.rows.findOneBy({ id });
  }

  /** Case-insensitive: the column is declared COLLATE NOCASE. */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.rows.findOneBy({ username });
  }

  /** Inserts the user, or returns null when the username is taken (case-insensitively). */
  async insert(user: NewUser): Promise<UserEntity | null> {
    try {
      const saved = await this.rows.save(this.rows.create({ ...user, disabled: false }));
      return await this.rows.findOneByOrFail({ id: saved.id });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Replaces the password hash and sets whether the user must change it at next sign-in. */
  async setPassword(id: number, passwordHash: string, mustChangePassword: boolean): Promise<boolean> {
    const result = await this.rows.update({ id }, { passwordHash, mustChangePassword });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Applies the changes in one statement. With `keepAnotherAdmin`, the update only happens while
   * another enabled admin exists, so two concurrent demotions cannot remove the last admin.
   * Returns false when that condition stopped it.
   */
  async update(id: number, changes: UserChanges, keepAnotherAdmin: boolean): Promise<boolean> {
    const query = this.rows.createQueryBuilder().update(UserEntity).set(changes).where('id = :id', { id });
    if (keepAnotherAdmin) {
      query.andWhere(
        `EXISTS (SELECT 1 FROM "users" AS "other" WHERE "other"."role" = 'admin' AND NOT "other"."disabled" AND "other"."id" <> :id)`,
        { id },
      );
    }
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }
}
