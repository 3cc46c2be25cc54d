import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  createTokenSchema,
  type ApiToken,
  type CreateTokenRequest,
  type CreatedApiToken,
  type User,
} from '@velociraptor/domain';
import { CurrentUser } from '../auth/decorators';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@Controller('tokens')
export class TokensController {
  constructor(@Inject(TokensService) private readonly tokens: TokensService) {}

  @Get()
  @ApiOperation({ summary: 'Your personal API tokens (never the secrets)' })
  list(@CurrentUser() user: User): Promise<ApiToken[]> {
    return this.tokens.list(user);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a token; the secret `token` is in this response only',
  })
  @ApiZodBody(createTokenSchema)
  create(
    @CurrentUser() user: User,
    @Body(new ZodValidationPipe(createTokenSchema)) body: CreateTokenRequest,
  ): Promise<CreatedApiToken> {
    return this.tokens.create(user, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your tokens' })
  revoke(
    @CurrentUser() user: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.tokens.revoke(user, id);
  }
}
