import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Image, User } from '@velociraptor/domain';
import { CurrentUser, MinRole } from '../auth/decorators';
import { ImagesService } from './images.service';

@ApiTags('images')
@Controller()
export class ImagesController {
  constructor(@Inject(ImagesService) private readonly images: ImagesService) {}

  @Get('images/:id')
  @ApiOperation({ summary: 'One image with the snapshot it was built from' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<Image> {
    return this.images.get(id);
  }

  @Get('stacks/:idOrName/images')
  @ApiOperation({ summary: "A stack's images, newest first" })
  listForStack(@Param('idOrName') idOrName: string): Promise<Image[]> {
    return this.images.listForStack(idOrName);
  }

  @Post('stacks/:idOrName/builds')
  @HttpCode(202)
  @MinRole('member')
  @ApiOperation({
    summary: 'Queue a build of the stack as saved (changes nothing)',
  })
  build(
    @CurrentUser() actor: User,
    @Param('idOrName') idOrName: string,
  ): Promise<Image> {
    return this.images.queueBuild(idOrName, actor);
  }
}
