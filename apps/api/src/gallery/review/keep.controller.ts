import type { AuthUser, KeepResponse } from '@atelier/contract';
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../../comfy/comfy-enabled.guard.js';
import { IngestFromJobDto } from '../gallery.dto.js';
import { KeepService } from './keep.service.js';

/** Keeping one's own results; the images come from ComfyUI, so the route is off with the integration. */
@ApiTags('gallery')
@Controller('gallery/keep')
@UseGuards(ComfyEnabledGuard)
export class KeepController {
  constructor(private readonly keeper: KeepService) {}

  @Post()
  @Scopes('gallery:write')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Keep images of your own finished job as private images (404 for another’s job, 409 before it ends)',
  })
  keep(@CurrentUser() user: AuthUser, @Body() body: IngestFromJobDto): Promise<KeepResponse> {
    return this.keeper.keep(user, body);
  }
}
