import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHasher } from '../auth/password.service';
import { SessionEntity } from '../auth/session.entity';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity])],
  controllers: [UsersController],
  // By value: its constructor takes scrypt parameters, not dependencies.
  providers: [
    UsersService,
    { provide: PasswordHasher, useValue: new PasswordHasher() },
  ],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
