import type { LoginResponse, MeResponse } from '@atelier/contract';
import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Public, Scopes } from '../common/auth.decorators.js';
import { clearAuthCookies, refreshCookieOf, setAuthCookies } from './auth-cookies.js';
import { LoginDto } from './auth.dto.js';
import { AuthService, type AuthenticatedUser } from './auth.service.js';
import { MeService } from './me.service.js';
import { AllowedBeforePasswordChange } from './password-change.guard.js';
import { extractAccessToken } from './access-token.js';
import { sessionClientOf } from './session-client.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly meService: MeService,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: returns an access token and sets the access and refresh cookies' })
  async login(
    @Body() body: LoginDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponse> {
    // A client that leaves while its attempt waits for the hasher does not cost a hash.
    const clientGone = new AbortController();
    const onClose = () => {
      if (!response.writableFinished) clientGone.abort(new Error('Request aborted'));
    };
    response.once('close', onClose);
    const signedIn = await this.auth
      .login(
        body.username,
        body.password,
        request.ip ?? 'unknown',
        sessionClientOf(request),
        clientGone.signal,
      )
      .finally(() => response.off('close', onClose));
    setAuthCookies(request, response, signedIn.tokens);
    return signedIn.response;
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange the refresh cookie (used once) for new tokens' })
  async refresh(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResponse> {
    try {
      const signedIn = await this.auth.refresh(refreshCookieOf(request));
      setAuthCookies(request, response, signedIn.tokens);
      return signedIn.response;
    } catch (error) {
      // A dead refresh cookie is useless: drop it so the browser stops sending it.
      clearAuthCookies(request, response);
      throw error;
    }
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({
    summary:
      'End the session of the access token and/or the refresh cookie (either suffices, expired access tokens too) and clear the cookies',
  })
  async logout(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    try {
      await this.auth.logout(extractAccessToken(request), refreshCookieOf(request));
    } finally {
      clearAuthCookies(request, response);
    }
  }

  @Get('me')
  // Any valid key may ask whose it is (whoami), whatever its scopes.
  @Scopes()
  @AllowedBeforePasswordChange()
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({
    summary:
      'The signed-in user, whether they must change their password (after an admin reset) first, and how many of their webhooks Atelier turned off',
  })
  me(@CurrentUser() user: AuthenticatedUser): Promise<MeResponse> {
    return this.meService.of(user);
  }
}
