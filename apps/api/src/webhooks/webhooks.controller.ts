import type {
  WebhookDeliveryListResponse,
  WebhookDeliveryQueued,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookListResponse,
} from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/auth.service.js';
import { isTrueWord } from '../common/boolean-words.js';
import { CurrentUser } from '../common/auth.decorators.js';
import { idPipe } from '../http/validation.js';
import { CreateWebhookDto, ListWebhooksQueryDto, UpdateWebhookDto } from './webhooks.dto.js';
import { WebhooksService } from './webhooks.service.js';

/**
 * Your webhooks. No @Scopes: an API key cannot add, read or aim webhooks (a leaked key must not be able to
 * send your events, or their secrets, elsewhere); only a signed-in session can.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('me/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe a URL to events; the answer carries the signing `secret`, shown this once only',
  })
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateWebhookDto,
  ): Promise<WebhookEndpointWithSecret> {
    return this.webhooks.create(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'Your webhooks (never their secrets); admins: `all=1` for every user’s' })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: ListWebhooksQueryDto,
  ): Promise<WebhookListResponse> {
    return this.webhooks.list(user, isTrueWord(query.all));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change the URL, events or enabled flag; `rotate_secret` answers a new secret once',
  })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', idPipe) id: number,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookEndpointView | WebhookEndpointWithSecret> {
    return this.webhooks.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its delivery log' })
  async remove(@CurrentUser() user: AuthenticatedUser, @Param('id', idPipe) id: number): Promise<void> {
    await this.webhooks.remove(user, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log, newest first: status, attempts, last answer and its latency' })
  deliveries(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', idPipe) id: number,
  ): Promise<WebhookDeliveryListResponse> {
    return this.webhooks.deliveryLog(user, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a `webhook.test` delivery to this URL' })
  test(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', idPipe) id: number,
  ): Promise<WebhookDeliveryQueued> {
    return this.webhooks.test(user, id);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a delivery’s body again, as a new delivery with fresh retries' })
  redeliver(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', idPipe) id: number,
    @Param('deliveryId') deliveryId: string,
  ): Promise<WebhookDeliveryQueued> {
    return this.webhooks.redeliver(user, id, deliveryId);
  }
}
