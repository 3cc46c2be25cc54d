import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Image, User } from '@velociraptor/domain';
import { CurrentUser, MinRole } from '../auth/decorators';
import { ImageControlService } from './image-control.service';

@ApiTags('images')
@Controller('images')
export class ImageControlController {
  constructor(
    @Inject(ImageControlService) private readonly images: ImageControlService,
  ) {}

  @Post(':id/cancel')
  @HttpCode(200)
  @MinRole('member')
  @ApiOperation({
    summary:
      'Cancel a queued or running build (a running one reports cancelled within seconds)',
  })
  cancel(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<Image> {
    return this.images.cancel(id, actor);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @MinRole('member')
  @ApiOperation({
    summary: "Make a succeeded image the stack's active image (rollback)",
  })
  activate(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<Image> {
    return this.images.activate(id, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @MinRole('member')
  @ApiOperation({
    summary: 'Delete a finished image and its objects (not the active one)',
  })
  async remove(
    @CurrentUser() actor: User,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.images.remove(id, actor);
  }

  @Get(':id/download')
  @ApiQuery({ name: 'presigned', required: false, enum: ['1'] })
  @ApiOperation({
    summary:
      'The image file, or with ?presigned=1 a short-lived URL to fetch it from the object store',
  })
  async download(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('presigned') presigned?: string,
  ): Promise<StreamableFile | { url: string; expiresAt: string }> {
    if (presigned === '1' || presigned === 'true') {
      return this.images.presignedDownload(id);
    }
    const file = await this.images.download(id);
    return new StreamableFile(file.stream, {
      type: file.contentType,
      length: file.size,
      disposition: `attachment; filename="${file.fileName}"`,
    });
  }
}
