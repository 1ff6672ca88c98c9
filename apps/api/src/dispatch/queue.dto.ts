import type { QueuePositionTarget } from '@atelier/contract';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, ValidateBy, type ValidationOptions } from 'class-validator';
import { booleanWords } from '../common/boolean-words.js';

/** Most waiting jobs one owner can have is bounded by the caps; a place beyond the end means the end. */
const maxPlace = 1_000_000;

function IsQueuePosition(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isQueuePosition',
      validator: {
        validate: (value: unknown) =>
          value === 'top' ||
          value === 'bottom' ||
          (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= maxPlace),
        defaultMessage: () => `position must be 'top', 'bottom' or a whole number from 1 to ${maxPlace}`,
      },
    },
    options,
  );
}

/** PATCH /api/comfy/jobs/:promptId body. */
export class JobPatchDto {
  @ApiProperty({
    oneOf: [{ enum: ['top', 'bottom'] }, { type: 'integer', minimum: 1, maximum: maxPlace }],
    description: "Where the waiting job goes: 'top', 'bottom' or a 1-based place among your waiting jobs",
  })
  @IsQueuePosition()
  position!: QueuePositionTarget;
}

/** PATCH /api/comfy/queue body. */
export class QueuePatchDto {
  @ApiProperty({ description: 'Re-queue a job once, automatically, when a backend loses it' })
  @IsBoolean()
  auto_retry!: boolean;
}

/** POST /api/comfy/queue/pause|resume query. */
export class QueuePauseQueryDto {
  @ApiPropertyOptional({ enum: booleanWords, description: "Everyone's queue (admins only)" })
  @IsOptional()
  @IsIn(booleanWords)
  all?: (typeof booleanWords)[number];
}
