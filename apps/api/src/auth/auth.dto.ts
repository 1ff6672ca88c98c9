import {
  passwordMaxLength,
  passwordMinLength,
  type ChangePasswordRequest,
  type LoginRequest,
  type ResetPasswordRequest,
} from '@atelier/contract';
import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';

export class LoginDto implements LoginRequest {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @Length(1, passwordMaxLength)
  password!: string;
}

export class ChangePasswordDto implements ChangePasswordRequest {
  @ApiProperty({ format: 'password' })
  @IsString()
  @Length(1, passwordMaxLength)
  current_password!: string;

  @ApiProperty({ format: 'password', minLength: passwordMinLength, maxLength: passwordMaxLength })
  @IsString()
  @Length(passwordMinLength, passwordMaxLength)
  new_password!: string;
}

export class ResetPasswordDto implements ResetPasswordRequest {
  @ApiProperty({ format: 'password', minLength: passwordMinLength, maxLength: passwordMaxLength })
  @IsString()
  @Length(passwordMinLength, passwordMaxLength)
  password!: string;
}

/** DELETE /api/auth/sessions query: only "every session but this one" is offered. */
export class EndSessionsQueryDto {
  @ApiProperty({ enum: ['1', 'true'], description: 'End every session of yours but the current one' })
  @IsIn(['1', 'true'])
  others!: '1' | 'true';
}
