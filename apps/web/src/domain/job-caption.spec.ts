import { describe, expect, it } from 'vitest';
import { jobCaption } from './job-caption';

describe('jobCaption', () => {
  it("is the job's caption, else 'Custom workflow' (no params, an empty or a non-string caption)", () => {
    expect(jobCaption({ params: { caption: 'a lighthouse', steps: 20 } })).toBe('a lighthouse');
    expect(jobCaption({ params: null })).toBe('Custom workflow');
    expect(jobCaption({ params: { caption: '' } })).toBe('Custom workflow');
    expect(jobCaption({ params: { caption: 42 } })).toBe('Custom workflow');
  });
});
