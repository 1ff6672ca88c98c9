import { describe, expect, it } from 'vitest';
import { jobCaption } from './job-caption';

describe('jobCaption', () => {
  it("is the job's caption, else 'Custom workflow' (no params, an empty or a non-string caption)", () => {
    expect(jobCaption({ params: { caption: 'a lighthouse', steps: 20 } })).toBe('a lighthouse');
    expect(jobCaption({ params: null })).toBe('Custom workflow');
    expect(jobCaption({ params: { caption: '' } })).toBe('Custom workflow');
    expect(jobCaption({ params: { caption: 42 } })).toBe('Custom workflow');
  });

  it("names a template run by its prompt knob, else by the template's name", () => {
    expect(jobCaption({ params: { template: 'basic_txt2img', values: { prompt: 'a fox', steps: 4 } } })).toBe(
      'a fox',
    );
    expect(jobCaption({ params: { template: 'test_pattern', values: { width: 8 } } })).toBe(
      'test_pattern workflow',
    );
    expect(jobCaption({ params: { template: 'test_pattern', values: null } })).toBe('test_pattern workflow');
  });
});
