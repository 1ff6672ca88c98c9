import { roleAtLeast, type AuthUser, type BulkResponse, type GallerySelection } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../../common/app-error.js';
import { jsonIntList } from '../../database/json-list.js';
import { Sql } from '../../database/sql.js';
import { BoardsService } from '../boards/boards.service.js';
import { ReviewService } from '../review/review.service.js';
import { ImageSearchIndex } from '../search/image-search-index.js';
import { mayManage, type Viewer } from '../search/search-predicates.js';
import { viewerOf } from '../search/search-resolver.js';
import { SelectionResolver } from '../search/selection.js';
import { normaliseTags } from '../search/tags.js';
import { TrashService } from '../trash/trash.service.js';
import type { BulkActionDto, BulkSelectionDto } from './bulk.dto.js';
import { UndoLog } from './bulk-undo.js';

/** "All matching" selections are walked in batches this size, each one transaction. */
const batchSize = 5000;
/** The most images one bulk request reaches (a million-image gallery, all matching). */
const maxSelected = 1_000_000;

/** A step the bulk endpoint runs over one batch of visible ids: how many changed, how many were not its to change. */
type BatchStep = (
  ids: number[],
  undo: UndoLog,
) => { affected: number; skipped: number } | Promise<{ affected: number; skipped: number }>;

/** Review decisions are recorded acts with a trail: they are taken back by another decision, not undone. */
const undoable = new Set([
  'tag',
  'untag',
  'rate',
  'favorite',
  'board_add',
  'board_remove',
  'trash',
  'restore',
]);

/**
 * POST /api/gallery/bulk: one action over chosen images or everything a search matches, run on the
 * server from the query (never N ids from the browser for "all"). Batches of 5,000 each commit on
 * their own and the event loop breathes between them, so 100,000 images neither block the server
 * nor hold one giant transaction; the action is idempotent, so repeating a request after a crash
 * finishes it.
 */
@Injectable()
export class BulkService {
  private readonly ownersSql: string;

  constructor(
    private readonly sql: Sql,
    private readonly selections: SelectionResolver,
    private readonly index: ImageSearchIndex,
    private readonly boards: BoardsService,
    private readonly review: ReviewService,
    private readonly trash: TrashService,
  ) {
    this.ownersSql = `SELECT "id", "created_by" FROM "gallery_images"
      WHERE "id" IN (SELECT "value" FROM (${jsonIntList(sql.dialect)}) "ids")`;
  }

  async run(selection: BulkSelectionDto, action: BulkActionDto, user: AuthUser): Promise<BulkResponse> {
    const step = this.stepFor(action, user);
    const inTrash = action.type === 'restore';
    const { ids, unseen } = await this.selections.select(toSelection(selection), user, maxSelected, inTrash);
    const total = { affected: 0, skipped: unseen };
    const undo = new UndoLog(undoable.has(action.type));
    for (let start = 0; start < ids.length; start += batchSize) {
      const result = await step(ids.slice(start, start + batchSize), undo);
      total.affected += result.affected;
      total.skipped += result.skipped;
      if (start + batchSize < ids.length) await nextTurn();
    }
    return { ...total, undo: undo.requests() };
  }

  private stepFor(action: BulkActionDto, user: AuthUser): BatchStep {
    switch (action.type) {
      case 'tag':
      case 'untag': {
        const tags = normaliseTags(required(action.tags, 'tags'));
        const inverse = action.type === 'tag' ? 'untag' : 'tag';
        return this.curated(user, async (ids, undo) => {
          const changed = await this.index.changeTags(ids, tags, action.type === 'tag');
          undo.add({ type: inverse, tags }, changed);
          return changed.length;
        });
      }
      case 'rate':
      case 'favorite': {
        const column = action.type === 'rate' ? 'rating' : 'favorite';
        const value =
          action.type === 'rate'
            ? required(action.rating, 'rating')
            : required(action.favorite, 'favorite')
              ? 1
              : 0;
        return this.curated(user, async (ids, undo) => {
          const changed = await this.index.setColumn(ids, column, value);
          for (const { id, before } of changed) {
            undo.add(
              column === 'rating'
                ? { type: 'rate', rating: before }
                : { type: 'favorite', favorite: before === 1 },
              [id],
            );
          }
          return changed.length;
        });
      }
      case 'board_add':
      case 'board_remove': {
        const board = required(action.board_id, 'board_id');
        const add = action.type === 'board_add';
        return async (ids, undo) => {
          const changed = await this.boards.changeImages(board, ids, add, user);
          undo.add({ type: add ? 'board_remove' : 'board_add', board_id: board }, changed);
          return { affected: changed.length, skipped: 0 };
        };
      }
      case 'submit':
        return (ids) => this.review.submit(ids, user);
      case 'approve':
      case 'reject': {
        if (!roleAtLeast(user.role, 'curator')) {
          throw new AppError('auth.forbidden', 'Only curators approve or reject images');
        }
        return action.type === 'approve'
          ? (ids) => this.review.approve(ids, user)
          : (ids) => this.review.reject(ids, user, action.note);
      }
      case 'trash':
      case 'restore': {
        const trash = action.type === 'trash';
        return async (ids, undo) => {
          const result = trash ? await this.trash.trash(ids, user) : await this.trash.restore(ids, user);
          undo.add({ type: trash ? 'restore' : 'trash' }, result.changedIds);
          return result;
        };
      }
    }
  }

  /** Curation changes: a user's own images; curators and admins any they see. */
  private curated(
    user: AuthUser,
    change: (ids: number[], undo: UndoLog) => number | Promise<number>,
  ): BatchStep {
    const viewer = viewerOf(user);
    return async (ids, undo) => {
      const allowed = viewer.seesAll ? ids : await this.manageable(ids, viewer);
      return { affected: await change(allowed, undo), skipped: ids.length - allowed.length };
    };
  }

  /** Those of `ids` the viewer may change, in their order: one read for the batch. */
  private async manageable(ids: number[], viewer: Viewer): Promise<number[]> {
    const rows = await this.sql.all<{ id: number; created_by: number }>(this.ownersSql, [
      JSON.stringify(ids),
    ]);
    const owners = new Map(rows.map((row) => [row.id, row.created_by]));
    return ids.filter((id) => {
      const owner = owners.get(id);
      return owner !== undefined && mayManage(viewer, owner);
    });
  }
}

function toSelection(selection: BulkSelectionDto): GallerySelection {
  const { ids, query } = selection;
  if ((ids === undefined) === (query === undefined)) {
    throw new AppError('validation_failed', 'Select images by ids or by query (one of them)', {
      selection: ['must hold either ids or query'],
    });
  }
  return ids !== undefined ? { ids } : { query: query! };
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    throw new AppError('validation_failed', `This action needs ${field}`, {
      [`action.${field}`]: ['is required'],
    });
  }
  return value;
}
