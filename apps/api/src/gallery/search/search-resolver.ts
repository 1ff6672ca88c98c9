import {
  formatGalleryQuery,
  mergeGalleryFilters,
  parseGalleryQuery,
  parseQueryInstant,
  roleAtLeast,
  type AuthUser,
  type GalleryFilters,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { Sql } from '../../database/sql.js';
import { BoardsRepository, parseBoardQuery } from '../boards/boards.repository.js';
import { GallerySearchEngine } from './gallery-search-engine.js';
import { GalleryTerms } from './gallery-terms.js';
import type { ResolvedSearch, Viewer } from './search-predicates.js';
import { normaliseTag } from './tags.js';

const minPrefixLength = 2;

/**
 * Turns what a request says (`q` in the query syntax, plus filter parameters) into a search on ids:
 * names become dictionary ids, dates become bounds. Anything that cannot apply is a 400 naming it,
 * never a silently wider search.
 */
@Injectable()
export class SearchResolver {
  constructor(
    private readonly sql: Sql,
    private readonly terms: GalleryTerms,
    private readonly boards: BoardsRepository,
    private readonly engine: GallerySearchEngine,
  ) {}

  async resolve(
    filters: GalleryFilters,
    user: AuthUser,
    extra: { stackKey?: string } = {},
  ): Promise<ResolvedSearch> {
    // A board given in q (`board:3`) counts as much as the parameter.
    const board = filters.board ?? parseGalleryQuery(filters.q ?? '').filters.board;
    if (board !== undefined) return this.resolveOnBoard(board, filters, user, extra);
    return this.resolveFilters(filters, user, extra, null);
  }

  /**
   * A manual board adds "on this board" to the search; a smart board is its saved search, narrowed
   * by the request's (a filter both name with different values is a 400, as in a plain search).
   */
  private async resolveOnBoard(
    id: number,
    filters: GalleryFilters,
    user: AuthUser,
    extra: { stackKey?: string },
  ): Promise<ResolvedSearch> {
    const row = await this.boards.find(id);
    if (!row || !(row.owner_id === user.id || row.visibility === 'team')) {
      throw new AppError('not_found', `There is no board ${id}`);
    }
    const { board: _board, ...rest } = filters;
    const q = rest.q === undefined ? undefined : withoutBoardFilter(rest.q);
    const saved = parseBoardQuery(row.query_json);
    if (saved === null) return this.resolveFilters({ ...rest, q }, user, extra, id);
    const given = rest as Record<string, unknown>;
    const conflicts = Object.entries(saved).filter(
      ([key, value]) => key !== 'q' && given[key] !== undefined && given[key] !== value,
    );
    if (conflicts.length > 0) {
      const messages = conflicts.map(([key]) => `${key} differs from the smart board's own ${key}`);
      throw new AppError('validation_failed', `The search cannot be applied: ${messages[0]}`, {
        q: messages,
      });
    }
    const combined = [saved.q, q].filter((text) => text !== undefined && text.trim() !== '').join(' ');
    return this.resolveFilters({ ...saved, ...rest, q: combined }, user, extra, null);
  }

  private async resolveFilters(
    filters: GalleryFilters,
    user: AuthUser,
    extra: { stackKey?: string },
    boardId: number | null,
  ): Promise<ResolvedSearch> {
    const parsed = parseGalleryQuery(filters.q ?? '');
    const merged = mergeGalleryFilters(parsed.filters, filters);
    const problems = [
      ...parsed.problems.map((problem) => problem.message),
      ...merged.conflicts.map((conflict) => conflict.message),
      // A one-letter prefix would merge the posting lists of every word with that letter.
      ...parsed.terms
        .filter((term) => term.kind === 'prefix' && [...term.value].length < minPrefixLength)
        .map((term) => `${term.value}* is too short: a prefix needs at least ${minPrefixLength} letters`),
    ];
    if (problems.length > 0) {
      throw new AppError('validation_failed', `The search cannot be applied: ${problems[0]}`, {
        q: problems,
      });
    }
    const f = merged.filters;
    if (f.board !== undefined) {
      throw new AppError('validation_failed', 'A smart board cannot name another board', {
        q: ['board: cannot be part of a smart board'],
      });
    }
    // A word that is also in tag names holds for either; the rest go to the text index alone.
    const tagTerms: ResolvedSearch['tagTerms'] = [];
    const textOnly: typeof parsed.terms = [];
    for (const term of parsed.terms) {
      const tagIds = term.field === 'text' ? await this.terms.tagsMatching(term) : [];
      if (tagIds.length > 0)
        tagTerms.push({ match: this.engine.textTerm(term), tagIds, negated: term.negated });
      else textOnly.push(term);
    }
    const { include, exclude } = this.engine.textQuery(textOnly);
    const tag = f.tag === undefined ? undefined : normaliseTag(f.tag);
    const ids = {
      checkpointIds: f.checkpoint === undefined ? null : await this.terms.match('checkpoint', f.checkpoint),
      loraIds: f.lora === undefined ? null : await this.terms.match('lora', f.lora),
      samplerIds: f.sampler === undefined ? null : await this.terms.match('sampler', f.sampler),
      tagIds: tag === undefined ? null : tag === null ? [] : await this.terms.exact('tag', tag),
      ownerIds: f.owner === undefined ? null : await this.usersNamed(f.owner),
    };
    return {
      include,
      exclude,
      ...ids,
      seed: f.seed ?? null,
      from: f.from === undefined ? null : this.instant(f.from, 'from'),
      to: f.to === undefined ? null : this.instant(f.to, 'to'),
      minRating: f.min_rating ?? null,
      status: f.status ?? null,
      size: f.size === undefined ? null : parseSize(f.size),
      aspect: f.aspect ?? null,
      hasWorkflow: f.has_workflow ?? null,
      stackKey: extra.stackKey ?? null,
      boardId,
      tagTerms,
      viewer: viewerOf(user),
    };
  }

  /** The username column is case-insensitive on both engines (COLLATE NOCASE, citext). */
  private async usersNamed(username: string): Promise<number[]> {
    const rows = await this.sql.all<{ id: number | string }>(
      `SELECT "id" FROM "users" WHERE "username" = ?`,
      [username],
    );
    return rows.map((row) => Number(row.id));
  }

  /** `from` inclusive, `to` as the first instant after it (rows compare `created_at < to`). */
  private instant(text: string, bound: 'from' | 'to'): string {
    const instant = parseQueryInstant(text, bound);
    if (!instant) {
      throw new AppError('validation_failed', `${bound} is not a date`, {
        [bound]: ['must be a date (YYYY-MM-DD) or an ISO 8601 time'],
      });
    }
    return new Date(bound === 'from' ? instant.ms : instant.ms + 1).toISOString();
  }
}

/** The query text without its `board:` filter (the board is resolved first, from either place). */
function withoutBoardFilter(q: string): string {
  const parsed = parseGalleryQuery(q);
  if (parsed.filters.board === undefined) return q;
  const { board: _board, ...filters } = parsed.filters;
  return formatGalleryQuery({ terms: parsed.terms, filters });
}

export function viewerOf(user: AuthUser): Viewer {
  return { id: user.id, seesAll: roleAtLeast(user.role, 'curator') };
}

function parseSize(size: string): { width: number; height: number } {
  const [width, height] = size.toLowerCase().split('x').map(Number);
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height)) {
    throw new AppError('validation_failed', 'size is not WIDTHxHEIGHT', {
      size: ['must be WIDTHxHEIGHT, e.g. 1024x1024'],
    });
  }
  return { width: width!, height: height! };
}
