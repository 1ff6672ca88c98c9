import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { FirstAdmin } from './first-admin.js';
import { PasswordHasher } from './password-hasher.js';
import { UserEntity } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), EventsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, PasswordHasher, FirstAdmin],
  // PasswordHasher: share links' passwords wait in the same argon2 queue as sign-ins.
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
