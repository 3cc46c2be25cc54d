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
  createUserSchema,
  updateUserSchema,
  type CreateUserRequest,
  type UpdateUserRequest,
  type User,
} from '@velociraptor/domain';
import { CurrentPrincipal, CurrentUser, MinRole } from '../auth/decorators';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import type { Principal } from '../common/request-context';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
@MinRole('admin')
export class UsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'All users (admin only)' })
  list(): Promise<User[]> {
    return this.users.list();
  }

  @Post()
  @ApiZodBody(createUserSchema)
  create(
    @CurrentUser() actor: User,
    @Body(new ZodValidationPipe(createUserSchema)) body: CreateUserRequest,
  ): Promise<User> {
    return this.users.create(actor, body);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<User> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiZodBody(updateUserSchema)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ZodValidationPipe(updateUserSchema)) body: UpdateUserRequest,
  ): Promise<User> {
    const keep =
      principal.via === 'session' ? principal.credentialId : undefined;
    return this.users.update(principal.user, id, body, keep);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.users.delete(actor, id);
  }
}
