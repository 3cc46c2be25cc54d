import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  createStackSchema,
  type SaveStackResponse,
  type Stack,
  type StackSummary,
  updateStackSchema,
  type User,
} from '@velociraptor/domain';
import { CurrentUser, MinRole } from '../auth/decorators';
import { ScriptUploadInterceptor } from '../common/interceptors/script-upload.interceptor';
import { ApiZodBody } from '../common/openapi';
import { ZodValidationPipe } from '../common/pipes/zod-validation.pipe';
import { StackForm } from './stack-form';
import {
  type CreateStack,
  StacksService,
  type UpdateStack,
} from './stacks.service';

@ApiTags('stacks')
@Controller('stacks')
export class StacksController {
  constructor(@Inject(StacksService) private readonly stacks: StacksService) {}

  @Get()
  @ApiOperation({
    summary: 'All stacks with their active image, last image and app count',
  })
  list(): Promise<StackSummary[]> {
    return this.stacks.list();
  }

  @Get(':idOrName')
  get(@Param('idOrName') idOrName: string): Promise<Stack> {
    return this.stacks.get(idOrName);
  }

  @Post()
  @MinRole('member')
  @UseInterceptors(ScriptUploadInterceptor)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary:
      'Create a stack ("build": true also queues a build); JSON or multipart with the script as a file part',
  })
  @ApiZodBody(createStackSchema)
  create(
    @CurrentUser() actor: User,
    @StackForm(new ZodValidationPipe(createStackSchema)) body: CreateStack,
  ): Promise<SaveStackResponse> {
    return this.stacks.create(actor, body);
  }

  @Patch(':idOrName')
  @MinRole('member')
  @UseInterceptors(ScriptUploadInterceptor)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiOperation({
    summary: 'Change a stack ("build": true also queues a build of the result)',
  })
  @ApiZodBody(updateStackSchema)
  update(
    @CurrentUser() actor: User,
    @Param('idOrName') idOrName: string,
    @StackForm(new ZodValidationPipe(updateStackSchema)) body: UpdateStack,
  ): Promise<SaveStackResponse> {
    return this.stacks.update(actor, idOrName, body);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @MinRole('member')
  @ApiOperation({
    summary: 'Delete a stack and its images; 409 while apps are linked to it',
  })
  delete(
    @CurrentUser() actor: User,
    @Param('idOrName') idOrName: string,
  ): Promise<void> {
    return this.stacks.delete(actor, idOrName);
  }
}
