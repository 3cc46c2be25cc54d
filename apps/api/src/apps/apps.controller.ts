import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type App,
  createAppSchema,
  updateAppSchema,
  type User,
} from '@velociraptor/domain';
import { CurrentUser, MinRole } from '../auth/decorators';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import { AppsService, type CreateApp, type UpdateApp } from './apps.service';

@ApiTags('apps')
@Controller('apps')
export class AppsController {
  constructor(@Inject(AppsService) private readonly apps: AppsService) {}

  @Get()
  list(): Promise<App[]> {
    return this.apps.list();
  }

  @Post()
  @MinRole('member')
  @ApiOperation({ summary: 'Create an app, optionally linked to a stack' })
  @ApiZodBody(createAppSchema)
  create(
    @CurrentUser() actor: User,
    @Body(new ZodValidationPipe(createAppSchema)) body: CreateApp,
  ): Promise<App> {
    return this.apps.create(actor, body);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<App> {
    return this.apps.get(id);
  }

  @Patch(':id')
  @MinRole('member')
  @ApiZodBody(updateAppSchema)
  update(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ZodValidationPipe(updateAppSchema)) body: UpdateApp,
  ): Promise<App> {
    return this.apps.update(actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @MinRole('member')
  delete(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.apps.delete(actor, id);
  }
}
