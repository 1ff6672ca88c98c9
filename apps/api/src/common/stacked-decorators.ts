import { applyDecorators } from '@nestjs/common';

/**
 * Property decorators as one, listed top to bottom as they would be stacked on the property and applied the
 * same way (bottom first): class-validator keeps its checks, and so its messages, in that order.
 */
export const stackedDecorators = (...decorators: PropertyDecorator[]) =>
  applyDecorators(...[...decorators].reverse());
