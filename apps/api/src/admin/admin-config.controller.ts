import type { AdminConfigResponse, AuthUser } from '@atelier/contract';
import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { AppConfig } from '../config/app-config.js';
import { describeDatabase } from '../config/database-config.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { runtimeSettingKeys, runtimeSettingSpecs } from '../config/runtime-settings.js';

@ApiTags('admin')
@Controller('admin/config')
@Roles('admin')
export class AdminConfigController {
  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfig,
  ) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'Effective runtime settings with their source (default, env or admin)' })
  show(): AdminConfigResponse {
    return this.view();
  }

  @Patch()
  @Scopes('admin')
  @ApiOperation({ summary: 'Change runtime settings without a restart; null resets a key to env/default' })
  @ApiBody({ schema: patchSchema() })
  async update(@Body() patch: unknown, @CurrentUser() user: AuthUser): Promise<AdminConfigResponse> {
    // An AdminConfigPatch, checked by RuntimeConfig against the settings table (the single source of its rules).
    await this.runtime.update(patch, { id: user.id, username: user.username });
    return this.view();
  }

  private view(): AdminConfigResponse {
    return {
      settings: this.runtime.view(),
      static: {
        port: this.config.port,
        root_dir: this.config.rootDir,
        db_path: describeDatabase(this.config.database),
        comfy_image_dir: this.config.comfy.imageDir,
      },
    };
  }
}

function patchSchema() {
  const properties = Object.fromEntries(
    runtimeSettingKeys.map((key) => {
      const spec = runtimeSettingSpecs[key];
      const type = typeof spec.defaultValue === 'boolean' ? 'boolean' : typeof spec.defaultValue;
      return [key, { type, nullable: true, description: `${spec.accepts}; env ${spec.env}` }];
    }),
  );
  return { type: 'object', properties, additionalProperties: false };
}
