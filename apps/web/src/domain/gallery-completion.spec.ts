import { completionAt } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { applyCompletion, underlineSegments } from './gallery-completion';

describe('applyCompletion', () => {
  it('writes a chosen value in place of the typed prefix, quoted when needed, then a space', () => {
    const text = 'cat model:sd dog';
    const found = completionAt(text, 12)!;
    expect(applyCompletion(text, found, 'sd xl.safetensors')).toEqual({
      text: 'cat model:"sd xl.safetensors" dog',
      cursor: 29,
    });
    const end = 'lora:de';
    expect(applyCompletion(end, completionAt(end, 7)!, 'detail')).toEqual({
      text: 'lora:detail ',
      cursor: 12,
    });
  });

  it('completes a key name with its colon, ready for the value', () => {
    const text = 'red mo';
    const found = completionAt(text, 6)!;
    expect(found.keys).toContain('model');
    expect(applyCompletion(text, found, 'model')).toEqual({ text: 'red model:', cursor: 10 });
  });
});

describe('underlineSegments', () => {
  it('marks the spans of problems, and the last character for an empty span at the end', () => {
    expect(underlineSegments('ab cd', [{ start: 3, end: 5 }])).toEqual([
      { text: 'ab ', isProblem: false },
      { text: 'cd', isProblem: true },
    ]);
    expect(underlineSegments('seed:', [{ start: 5, end: 5 }])).toEqual([
      { text: 'seed', isProblem: false },
      { text: ':', isProblem: true },
    ]);
    expect(underlineSegments('', [{ start: 0, end: 0 }])).toEqual([]);
  });
});
