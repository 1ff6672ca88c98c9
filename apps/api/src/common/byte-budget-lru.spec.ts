import { describe, expect, it } from 'vitest';
import { ByteBudgetLru } from './byte-budget-lru.js';

const lru = (budget: number) => new ByteBudgetLru<string, Buffer>(budget, (bytes) => bytes.length);

describe('ByteBudgetLru', () => {
  it('evicts the least recently used first once over the budget, a read counting as a use', () => {
    const cache = lru(30);
    cache.set('a', Buffer.alloc(10));
    cache.set('b', Buffer.alloc(10));
    cache.set('c', Buffer.alloc(10));
    expect(cache.get('a')).toBeDefined();
    cache.set('d', Buffer.alloc(10));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((key) => cache.get(key) !== undefined)).toBe(true);
    expect(cache.totalBytes).toBe(30);
  });

  it('counts a replaced value once, and forgets deleted and cleared ones', () => {
    const cache = lru(100);
    cache.set('a', Buffer.alloc(10));
    cache.set('a', Buffer.alloc(25));
    expect([cache.size, cache.totalBytes]).toEqual([1, 25]);
    cache.delete('a');
    cache.delete('missing');
    expect([cache.size, cache.totalBytes]).toEqual([0, 0]);
    cache.set('b', Buffer.alloc(5));
    cache.clear();
    expect([cache.size, cache.totalBytes, cache.get('b')]).toEqual([0, 0, undefined]);
  });
});
