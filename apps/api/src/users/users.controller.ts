import type { AuthUser, UserSummary } from '@atelier/contract';
import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { idPipe } from '../http/validation.js';
import { CreateUserDto, UpdateUserDto } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('admin')
@Controller('admin/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'All users, oldest first' })
  list(): Promise<UserSummary[]> {
    return this.users.list();
  }

  @Post()
  @Scopes('admin')
  @ApiOperation({ summary: 'Create a user (409 users.username_taken)' })
  create(@Body() body: CreateUserDto, @CurrentUser() admin: AuthUser): Promise<UserSummary> {
    return this.users.create(body, actorOf(admin));
  }

  @Patch(':id')
  @Scopes('admin')
  @ApiOperation({ summary: 'Set role and/or disabled (409 users.last_admin for the last enabled admin)' })
  update(
    @Param('id', idPipe) id: number,
    @Body() body: UpdateUserDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<UserSummary> {
    return this.users.update(id, body, actorOf(admin));
  }
}

const actorOf = ({ id, username }: AuthUser) => ({ id, username });
