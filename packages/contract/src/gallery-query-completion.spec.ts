import { describe, expect, it } from 'vitest';
import { completionAt, galleryQueryKeys, parseGalleryQuery, type GalleryQueryCompletion } from './index.js';

/** `|` marks the cursor. */
function at(marked: string): GalleryQueryCompletion | null {
  const cursor = marked.indexOf('|');
  return completionAt(marked.replace('|', ''), cursor);
}

describe('completionAt', () => {
  const values: [string, GalleryQueryCompletion | null][] = [
    ['model:sd|', { key: 'checkpoint', prefix: 'sd', start: 6, end: 8 }],
    ['red MODEL:sd|', { key: 'checkpoint', prefix: 'sd', start: 10, end: 12 }],
    ['ckpt:s|dxl more', { key: 'checkpoint', prefix: 's', start: 5, end: 9 }],
    ['checkpoint:|', { key: 'checkpoint', prefix: '', start: 11, end: 11 }],
    ['lora:det| x', { key: 'lora', prefix: 'det', start: 5, end: 8 }],
    ['tag:cl|', { key: 'tag', prefix: 'cl', start: 4, end: 6 }],
    ['sampler:eu|', { key: 'sampler', prefix: 'eu', start: 8, end: 10 }],
    ['by:al|', { key: 'owner', prefix: 'al', start: 3, end: 5 }],
    ['user:|', { key: 'owner', prefix: '', start: 5, end: 5 }],
    ['status:ap|', { key: 'status', prefix: 'ap', start: 7, end: 9 }],
    ['aspect:|', { key: 'aspect', prefix: '', start: 7, end: 7 }],
    ['model:"sd x|', { key: 'checkpoint', prefix: 'sd x', start: 6, end: 11 }],
    ['model:"sd x|l" y', { key: 'checkpoint', prefix: 'sd x', start: 6, end: 13 }],
    ['model:"sd xl"|', null],
    ['model:|"sd"', null],
    ['\uFF4D\uFF4F\uFF44\uFF45\uFF4C\uFF1A\uFF53|', { key: 'checkpoint', prefix: 's', start: 6, end: 7 }],
    ['seed:4|', null],
    ['rating>=|', null],
    ['neg:bl|', null],
    ['-model:sd|', null],
    ['model:sd |', null],
    ['|model:sd', null],
    ['mo|del:sd', null],
    ['', null],
  ];
  it.each(values)('%j', (marked, expected) => {
    expect(at(marked)).toEqual(expected);
  });

  const names: [string, string[] | null, number?][] = [
    ['mo|', ['model']],
    ['red l|', ['lora']],
    ['s|', ['sampler', 'seed', 'status', 'size', 'stars']],
    ['C|', ['checkpoint', 'ckpt']],
    ['b|', ['board', 'by', 'before']],
    ['-h|', ['has'], 1],
    ['-|', null],
    ['-m|', null],
    ['x|', null],
    ['mo|del', ['model']],
    ['"mo|', null],
    ['m1|', null],
  ];
  it.each(names)('suggests key names for %j', (marked, keys, start = marked.lastIndexOf(' ') + 1) => {
    const found = at(marked);
    if (keys === null) return expect(found).toBeNull();
    const cursor = marked.indexOf('|');
    expect(found).toMatchObject({ key: null, keys, start, prefix: marked.slice(start, cursor) });
  });

  it('answers null for a cursor outside the text or text that is not a string', () => {
    expect(completionAt('model:sd', 9)).toBeNull();
    expect(completionAt('model:sd', -1)).toBeNull();
    expect(completionAt('model:sd', 1.5)).toBeNull();
    expect(completionAt(null as unknown as string, 0)).toBeNull();
  });

  it('stays quick on hostile text', () => {
    const text = `${'-"'.repeat(494)} model:sd`;
    const started = performance.now();
    expect(completionAt(text, text.length)).toMatchObject({ key: 'checkpoint' });
    expect(performance.now() - started).toBeLessThan(250);
  });
});

describe('galleryQueryKeys', () => {
  it('lists each key once with a hint and an example that parses without problems', () => {
    const names = galleryQueryKeys.flatMap((k) => [k.key, ...k.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const key of galleryQueryKeys) {
      expect(key.hint).not.toBe('');
      expect(key.example.toLowerCase().startsWith(key.key)).toBe(true);
      const parsed = parseGalleryQuery(key.example);
      expect(parsed.problems).toEqual([]);
      if (key.filter === null) expect(parsed.terms).toMatchObject([{ field: 'negative' }]);
      else expect(Object.keys(parsed.filters)).toEqual([key.filter]);
    }
  });

  it('accepts every alias where the key goes', () => {
    for (const key of galleryQueryKeys) {
      const value = key.example.replace(/^[a-z]+/, '');
      const expected = parseGalleryQuery(key.example);
      for (const alias of key.aliases) {
        expect(parseGalleryQuery(`${alias.toUpperCase()}${value}`)).toEqual(expected);
      }
    }
  });
});
