import type { LoginResponse, UserSummary } from '@atelier/contract';
import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { idPipe } from '../http/validation.js';
import { setAuthCookies } from './auth-cookies.js';
import { ChangePasswordDto, ResetPasswordDto } from './auth.dto.js';
import type { AuthenticatedUser } from './auth.service.js';
import { AllowedBeforePasswordChange } from './password-change.guard.js';
import { PasswordService } from './password.service.js';
import { sessionClientOf } from './session-client.js';

@ApiTags('auth')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller()
export class PasswordController {
  constructor(private readonly passwords: PasswordService) {}

  @Post('auth/password')
  @HttpCode(200)
  @AllowedBeforePasswordChange()
  @ApiOperation({
    summary:
      'Change your own password (400 auth.wrong_password): ends every session of yours and answers a new one (tokens and cookies)',
  })
  async change(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: ChangePasswordDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponse> {
    const signedIn = await this.passwords.change(
      user,
      body.current_password,
      body.new_password,
      request.ip ?? 'unknown',
      sessionClientOf(request),
    );
    setAuthCookies(request, response, signedIn.tokens);
    return signedIn.response;
  }

  @Post('admin/users/:id/password')
  @HttpCode(200)
  @Roles('admin')
  @Scopes('admin')
  @ApiTags('admin')
  @ApiOperation({
    summary: "Reset a user's password: their sessions end and they must change it at next sign-in",
  })
  reset(
    @Param('id', idPipe) id: number,
    @Body() body: ResetPasswordDto,
    @CurrentUser() admin: AuthenticatedUser,
  ): Promise<UserSummary> {
    return this.passwords.reset(id, body.password, { id: admin.id, username: admin.username });
  }
}
