import { roleLimitBounds, roles, type Role, type RoleLimitsUpdate } from '@atelier/contract';
import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { AppError } from '../common/app-error.js';
import { stackedDecorators } from '../common/stacked-decorators.js';

const b = roleLimitBounds;
/** `weight` may be absent but never null (every owner needs a share). */
const isPresent = (_object: object, value: unknown) => value !== undefined;
/** A count cap (jobs, steps, pixels, batch size): an integer within its bounds, or null for unlimited. */
const CountCap = (bounds: { min: number; max: number }, description: string) =>
  stackedDecorators(
    ApiPropertyOptional({
      type: 'integer',
      nullable: true,
      minimum: bounds.min,
      maximum: bounds.max,
      description: `${description}; null = unlimited, 0 = not allowed`,
    }),
    IsOptional(),
    IsInt(),
    Min(bounds.min),
    Max(bounds.max),
  );

/** PUT /api/admin/limits/:role body: the fields to change; absent fields keep their value. */
export class RoleLimitsUpdateDto implements RoleLimitsUpdate {
  @CountCap(b.max_waiting, 'Jobs waiting in the queue at once')
  max_waiting?: number | null;

  @CountCap(b.max_running, 'Jobs on the backends at once (running or prefetched)')
  max_running?: number | null;

  @CountCap(b.max_steps, 'Sampler steps per node')
  max_steps?: number | null;

  @CountCap(b.max_pixels, 'Width × height of a latent image')
  max_pixels?: number | null;

  @CountCap(b.max_batch_size, 'Batch size per node')
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
