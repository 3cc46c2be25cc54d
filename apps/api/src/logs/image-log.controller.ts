import {
  Controller,
  Get,
  Header,
  Inject,
  Param,
  ParseUUIDPipe,
  StreamableFile,
} from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ImageLogService } from './image-log.service';

@ApiTags('images')
@Controller()
export class ImageLogController {
  constructor(
    @Inject(ImageLogService) private readonly logs: ImageLogService,
  ) {}

  @Get('images/:id/log')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary:
      'The raw build log (while the build runs and after, failed and cancelled builds included)',
  })
  async log(@Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    return new StreamableFile(await this.logs.open(id), {
      type: 'text/plain; charset=utf-8',
    });
  }
}
