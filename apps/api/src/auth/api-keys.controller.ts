import type { ApiKeyListResponse, CreatedApiKey } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/auth.decorators.js';
import { idPipe } from '../http/validation.js';
import { CreateApiKeyDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';
import type { AuthenticatedUser } from './auth.service.js';

/**
 * Your own API keys. No @Scopes: a key cannot list, mint or revoke keys (a leaked key must not be able to
 * make itself a successor), only a signed-in session can.
 */
@ApiTags('auth')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('me/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create a key; the answer carries the secret `key`, shown this once only' })
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.create(user, body);
  }

  @Get()
  @ApiOperation({
    summary: 'Your keys (not revoked): name, prefix, scopes, expiry, last use; never the secret',
  })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<ApiKeyListResponse> {
    return { items: await this.keys.listOf(user.id) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your keys at once (404 not_found for any other)' })
  async revoke(@CurrentUser() user: AuthenticatedUser, @Param('id', idPipe) id: number): Promise<void> {
    await this.keys.revoke(user, id);
  }
}
