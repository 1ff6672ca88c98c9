import { roleLimitBounds, roles, type Role, type RoleLimitsUpdate } from '@atelier/contract';
import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { AppError } from '../common/app-error.js';

const b = roleLimitBounds;
/** `weight` may be absent but never null (every owner needs a share). */
const isPresent = (_object: object, value: unknown) => value !== undefined;
const countDoc = (bounds: { min: number; max: number }, description: string) => ({
  type: 'integer' as const,
  nullable: true,
  minimum: bounds.min,
  maximum: bounds.max,
  description: `${description}; null = unlimited, 0 = not allowed`,
});

/** PUT /api/admin/limits/:role body: the fields to change; absent fields keep their value. */
export class RoleLimitsUpdateDto implements RoleLimitsUpdate {
  @ApiPropertyOptional(countDoc(b.max_waiting, 'Jobs waiting in the queue at once'))
  @IsOptional()
  @IsInt()
  @Min(b.max_waiting.min)
  @Max(b.max_waiting.max)
  max_waiting?: number | null;

  @ApiPropertyOptional(countDoc(b.max_running, 'Jobs on the backends at once (running or prefetched)'))
  @IsOptional()
  @IsInt()
  @Min(b.max_running.min)
  @Max(b.max_running.max)
  max_running?: number | null;

  @ApiPropertyOptional(countDoc(b.max_steps, 'Sampler steps per node'))
  @IsOptional()
  @IsInt()
  @Min(b.max_steps.min)
  @Max(b.max_steps.max)
  max_steps?: number | null;

  @ApiPropertyOptional(countDoc(b.max_pixels, 'Width × height of a latent image'))
  @IsOptional()
  @IsInt()
  @Min(b.max_pixels.min)
  @Max(b.max_pixels.max)
  max_pixels?: number | null;

  @ApiPropertyOptional(countDoc(b.max_batch_size, 'Batch size per node'))
  @IsOptional()
  @IsInt()
  @Min(b.max_batch_size.min)
  @Max(b.max_batch_size.max)
  max_batch_size?: number | null;

  @ApiPropertyOptional({
    type: 'number',
    nullable: true,
    minimum: b.gpu_seconds_per_day.min,
    maximum: b.gpu_seconds_per_day.max,
    description: 'GPU-seconds per UTC day; null = unlimited',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(b.gpu_seconds_per_day.min)
  @Max(b.gpu_seconds_per_day.max)
  gpu_seconds_per_day?: number | null;

  @ApiPropertyOptional({ type: 'number', minimum: b.weight.min, maximum: b.weight.max, default: 1 })
  @ValidateIf(isPresent)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(b.weight.min)
  @Max(b.weight.max)
  weight?: number;
}

/** The `:role` of the limits routes: one of the roles, else 400 naming them. */
@Injectable()
export class RolePipe implements PipeTransform<string, Role> {
  transform(value: string): Role {
    if ((roles as readonly string[]).includes(value)) return value as Role;
    throw new AppError('validation_failed', `There is no role "${value.slice(0, 40)}"`, {
      role: [`must be one of ${roles.join(', ')}`],
    });
  }
}

export const rolePipe = new RolePipe();
