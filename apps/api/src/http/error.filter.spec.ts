import { errorCodes } from '@atelier/contract';
import { BadRequestException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AppError } from '../common/app-error.js';
import { statusByCode, toErrorResponse } from './error.filter.js';

describe('toErrorResponse', () => {
  it('has a client or server status for every contract code', () => {
    for (const code of errorCodes) {
      expect(statusByCode[code], code).toBeGreaterThanOrEqual(400);
      expect(statusByCode[code], code).toBeLessThan(600);
    }
  });

  it('answers an AppError with its code, status, details and headers', () => {
    const error = new AppError('rate_limited', 'slow down', { retry_after_s: 3 }, { 'Retry-After': '3' });
    expect(toErrorResponse(error)).toEqual({
      status: 429,
      body: { code: 'rate_limited', message: 'slow down', details: { retry_after_s: 3 } },
      headers: { 'Retry-After': '3' },
    });
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /api/x')).body).toEqual({
      code: 'not_found',
      message: 'Cannot GET /api/x',
    });
    expect(toErrorResponse(new ForbiddenException()).body.code).toBe('auth.forbidden');
    expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad'])).body).toEqual({
      code: 'validation_failed',
      message: 'a is bad; b is bad',
    });
  });

  it('hides everything about unexpected errors', () => {
    const answer = toErrorResponse(new TypeError('secret internals'));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer)).not.toContain('secret');
    expect(toErrorResponse('a string').body.code).toBe('internal');
    // A non-exposed HTTP error (e.g. 500 from a middleware) is still internal.
    expect(toErrorResponse(Object.assign(new Error('db down'), { status: 500, expose: false })).status).toBe(
      500,
    );
  });
});
