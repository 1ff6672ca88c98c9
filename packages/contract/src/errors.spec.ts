import { describe, expect, it } from 'vitest';
import { isErrorBody, roleAtLeast } from './index.js';

describe('isErrorBody', () => {
  it('accepts a known code with a message', () => {
    expect(isErrorBody({ code: 'comfy.disabled', message: 'off' })).toBe(true);
  });
  it('rejects unknown codes and non-objects', () => {
    expect(isErrorBody({ code: 'nope', message: 'x' })).toBe(false);
    expect(isErrorBody('internal')).toBe(false);
    expect(isErrorBody(null)).toBe(false);
  });
});

describe('roleAtLeast', () => {
  it('nests admin over curator over user', () => {
    expect(roleAtLeast('admin', 'curator')).toBe(true);
    expect(roleAtLeast('curator', 'user')).toBe(true);
    expect(roleAtLeast('user', 'curator')).toBe(false);
    expect(roleAtLeast('curator', 'admin')).toBe(false);
  });
});
