import type { AuthUser, Board, BoardList } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { idPipe } from '../../http/validation.js';
import { BoardCreateDto, BoardPatchDto } from './boards.dto.js';
import { BoardsService } from './boards.service.js';

/** Boards: GET /api/gallery/images?board=ID lists one; POST /api/gallery/bulk adds and removes images. */
@ApiTags('boards')
@Controller('boards')
export class BoardsController {
  constructor(private readonly boards: BoardsService) {}

  @Get()
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'Your boards and the team’s, with a cover and a count' })
  list(@CurrentUser() user: AuthUser): Promise<BoardList> {
    return this.boards.list(user);
  }

  @Post()
  @Scopes('boards:write')
  @ApiOperation({ summary: 'A manual board, or a smart one with `query` (a saved search)' })
  create(@Body() body: BoardCreateDto, @CurrentUser() user: AuthUser): Promise<Board> {
    return this.boards.create(body, user);
  }

  @Get(':id')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'One board (404 not_found when it is neither yours nor the team’s)' })
  show(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<Board> {
    return this.boards.get(id, user);
  }

  @Patch(':id')
  @Scopes('boards:write')
  @ApiOperation({ summary: 'Rename, share, change its search or cover (its owner)' })
  update(
    @Param('id', idPipe) id: number,
    @Body() body: BoardPatchDto,
    @CurrentUser() user: AuthUser,
  ): Promise<Board> {
    return this.boards.update(id, body, user);
  }

  @Delete(':id')
  @Scopes('boards:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the board (its images stay in the gallery)' })
  remove(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<void> {
    return this.boards.remove(id, user);
  }
}
