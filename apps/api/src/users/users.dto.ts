import {
  passwordMaxLength,
  passwordMinLength,
  roles,
  usernamePattern,
  type CreateUserRequest,
  type Role,
  type UpdateUserRequest,
} from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';

/** Optional, but `null` is rejected rather than silently treated as absent. */
const isPresent = (_object: object, value: unknown) => value !== undefined;

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty({ pattern: usernamePattern, example: 'ada' })
  @IsString()
  @Matches(new RegExp(usernamePattern), {
    message: 'username must be 3–64 letters, digits, "_", "." or "-", starting with a letter or digit',
  })
  username!: string;

  @ApiProperty({ minLength: passwordMinLength, maxLength: passwordMaxLength })
  @IsString()
  @Length(passwordMinLength, passwordMaxLength)
  password!: string;

  @ApiProperty({ enum: roles })
  @IsIn(roles)
  role!: Role;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional({ enum: roles })
  @ValidateIf(isPresent)
  @IsIn(roles)
  role?: Role;

  @ApiPropertyOptional()
  @ValidateIf(isPresent)
  @IsBoolean()
  disabled?: boolean;
}
