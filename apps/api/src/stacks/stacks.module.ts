import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImagesModule } from '../images/images.module';
import { StackEntity } from './stack.entity';
import { StacksController } from './stacks.controller';
import { StacksService } from './stacks.service';

@Module({
  imports: [TypeOrmModule.forFeature([StackEntity]), ImagesModule],
  controllers: [StacksController],
  providers: [StacksService],
})
export class StacksModule {}
