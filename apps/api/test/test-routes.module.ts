import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { Roles } from '../src/common/auth.decorators.js';

export const secretFailure = 'database password is hunter2';

class PointDto {
  @IsInt()
  @Min(0)
  x!: number;
}

class EchoDto {
  @IsString()
  name!: string;

  @IsInt()
  @Max(10)
  count!: number;

  @ValidateNested()
  @Type(() => PointDto)
  point!: PointDto;
}

/** Routes that only tests mount: a curator-only route, a crash, and a nested DTO. */
@Controller('test')
class TestRoutesController {
  @Get('curator')
  @Roles('curator')
  curator() {
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error(secretFailure);
  }

  @Post('echo')
  echo(@Body() body: EchoDto) {
    return body;
  }
}

@Module({ controllers: [TestRoutesController] })
export class TestRoutesModule {}
