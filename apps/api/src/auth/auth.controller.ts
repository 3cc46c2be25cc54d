import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CookieOptions, Response } from 'express';
import {
  CSRF_COOKIE,
  loginSchema,
  SESSION_COOKIE,
  type LoginRequest,
  type User,
} from '@velociraptor/domain';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import type { ApiRequest, Principal } from '../common/request-context';
import { AuthService } from './auth.service';
import { CurrentPrincipal, CurrentUser, Public } from './decorators';

function cookieOptions(
  request: ApiRequest,
  httpOnly: boolean,
  expires?: Date,
): CookieOptions {
  // request.secure follows X-Forwarded-Proto only when TRUST_PROXY is on.
  return {
    httpOnly,
    sameSite: 'lax',
    secure: request.secure,
    path: '/',
    expires,
  };
}

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in: sets the vr_session (httpOnly) and vr_csrf cookies',
  })
  @ApiZodBody(loginSchema)
  async login(
    @Req() request: ApiRequest,
    @Res({ passthrough: true }) response: Response,
    @Body(new ZodValidationPipe(loginSchema)) body: LoginRequest,
  ): Promise<User> {
    const { user, session } = await this.auth.login(
      body,
      request.ip ?? 'unknown',
    );
    response.cookie(
      SESSION_COOKIE,
      session.sessionId,
      cookieOptions(request, true, session.expiresAt),
    );
    response.cookie(
      CSRF_COOKIE,
      session.csrfToken,
      cookieOptions(request, false, session.expiresAt),
    );
    return user;
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session and clear its cookies' })
  async logout(
    @Req() request: ApiRequest,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.auth.logout(principal);
    response.clearCookie(SESSION_COOKIE, cookieOptions(request, true));
    response.clearCookie(CSRF_COOKIE, cookieOptions(request, false));
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  me(@CurrentUser() user: User): User {
    return user;
  }
}
