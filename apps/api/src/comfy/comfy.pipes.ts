import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';

/** Prompt ids are ours (uuid v4), but anything id-shaped is looked up so old ids answer 404, not 400. */
@Injectable()
export class PromptIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(value)) {
      throw new AppError('validation_failed', 'The prompt id is malformed', {
        promptId: ['is not a prompt id'],
      });
    }
    return value;
  }
}

export const promptIdPipe = new PromptIdPipe();

/** The optional Idempotency-Key header (1–200 visible ASCII characters), or null. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | null => {
    const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value)) {
      throw new AppError('validation_failed', 'The Idempotency-Key header is invalid', {
        'Idempotency-Key': ['must be 1–200 visible ASCII characters'],
      });
    }
    return value;
  },
);
