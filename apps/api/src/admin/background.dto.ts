import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** POST /api/admin/background/:queue/:id/retry: names as the queues and BullMQ ids spell them. */
export class RetryBackgroundJobParams {
  @ApiProperty({ example: 'gallery.trash-purge' })
  @Matches(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, { message: 'queue must be a queue name' })
  queue!: string;

  // BullMQ names the runs of a repeatable `repeat:<scheduler>:<time>`: ids may hold `:`.
  @ApiProperty({ example: 'repeat:gallery.trash-purge:1767225600000' })
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, { message: 'id must be a job id' })
  id!: string;
}
