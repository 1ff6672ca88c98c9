import {
  roleAtLeast,
  type AuthUser,
  type Board,
  type BoardCreate,
  type BoardList,
  type BoardPatch,
  type GalleryFilters,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { GallerySearchService } from '../search/gallery-search.service.js';
import { BoardsRepository, parseBoardQuery, type BoardRow } from './boards.repository.js';

/**
 * Boards: manual ones hold images added by hand, smart ones a saved search. Everyone sees their own
 * boards and the team's; only a board's owner (or an admin) changes or deletes it. Images on a
 * board stay subject to visibility: a board never shows someone an image they could not see.
 */
@Injectable()
export class BoardsService {
  constructor(
    private readonly boards: BoardsRepository,
    private readonly search: GallerySearchService,
  ) {}

  async list(user: AuthUser): Promise<BoardList> {
    const items: Board[] = [];
    for (const row of await this.boards.visibleTo(user.id)) items.push(await this.view(row, user));
    return { items };
  }

  async get(id: number, user: AuthUser): Promise<Board> {
    return this.view(await this.visible(id, user), user);
  }

  async create(body: BoardCreate, user: AuthUser): Promise<Board> {
    const query = body.query ?? null;
    if (query) await this.check(query, user);
    const id = await this.boards.create(user.id, {
      name: body.name.trim(),
      visibility: body.visibility ?? 'private',
      query,
      coverImageId: null,
    });
    return this.get(id, user);
  }

  async update(id: number, patch: BoardPatch, user: AuthUser): Promise<Board> {
    await this.editable(id, user);
    if (patch.query) await this.check(patch.query, user);
    if (patch.cover_image_id !== undefined && patch.cover_image_id !== null) {
      // The cover must be an image the owner can see (and, for a manual board, one on it).
      await this.search.item(patch.cover_image_id, user);
    }
    // The patch is applied to the row as it is inside the transaction, not as read above.
    const updated = await this.boards.update(id, (row) => {
      const query = patch.query === undefined ? parseBoardQuery(row.query_json) : patch.query;
      return {
        fields: {
          name: patch.name?.trim() ?? row.name,
          visibility: patch.visibility ?? row.visibility,
          query,
          coverImageId: patch.cover_image_id === undefined ? row.cover_image_id : patch.cover_image_id,
        },
        clearImages: row.query_json === null && query !== null,
      };
    });
    if (!updated) throw new AppError('not_found', `There is no board ${id}`);
    return this.get(id, user);
  }

  async remove(id: number, user: AuthUser): Promise<void> {
    await this.editable(id, user);
    await this.boards.delete(id);
  }

  /** Adds or removes images on a manual board (the bulk endpoint): ids must be visible already; the ids changed. */
  async changeImages(boardId: number, ids: number[], add: boolean, user: AuthUser): Promise<number[]> {
    const row = await this.visible(boardId, user);
    if (row.query_json !== null) {
      throw new AppError('conflict', `Board ${boardId} is a smart board: its images come from its search`);
    }
    // A team board is the team's to fill; a private one only its owner's.
    if (row.visibility !== 'team' && row.owner_id !== user.id) {
      throw new AppError('auth.forbidden', 'Only its owner can change this board');
    }
    const changed = add
      ? await this.boards.add(boardId, ids, user.id)
      : await this.boards.remove(boardId, ids);
    if (changed.length > 0) await this.boards.touch(boardId);
    return changed;
  }

  private async view(row: BoardRow, user: AuthUser): Promise<Board> {
    const query = parseBoardQuery(row.query_json);
    const page = await this.search.search(
      { board: row.id, sort: 'newest', seedOrder: 0, stacks: false, limit: 1 },
      user,
    );
    const chosen = row.cover_image_id === null ? null : await this.coverIfVisible(row.cover_image_id, user);
    const cover = chosen ?? page.items[0]?.id ?? null;
    return {
      id: row.id,
      name: row.name,
      visibility: row.visibility,
      owner: { id: row.owner_id, username: row.owner_username ?? '' },
      query,
      cover: cover === null ? null : { id: cover, thumbnail_url: `/api/gallery/images/${cover}/thumbnail` },
      count: page.total_estimate,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  private async coverIfVisible(id: number, user: AuthUser): Promise<number | null> {
    try {
      return (await this.search.item(id, user)).id;
    } catch {
      return null;
    }
  }

  /** A smart board's query must be one a search accepts (checked now, not at every view). */
  private async check(query: GalleryFilters, user: AuthUser): Promise<void> {
    if (query.board !== undefined) {
      throw new AppError('validation_failed', 'A smart board cannot name another board', {
        query: ['board cannot be part of a smart board'],
      });
    }
    await this.search.search({ ...query, sort: 'newest', seedOrder: 0, stacks: false, limit: 1 }, user);
  }

  private async visible(id: number, user: AuthUser): Promise<BoardRow> {
    const row = await this.boards.find(id);
    if (!row || !(row.owner_id === user.id || row.visibility === 'team')) {
      throw new AppError('not_found', `There is no board ${id}`);
    }
    return row;
  }

  private async editable(id: number, user: AuthUser): Promise<BoardRow> {
    const row = await this.visible(id, user);
    if (row.owner_id !== user.id && !roleAtLeast(user.role, 'admin')) {
      throw new AppError('auth.forbidden', 'Only its owner can change this board');
    }
    return row;
  }
}
