import { exportBackgroundMinBytes, exportBackgroundMinImages } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import {
  describeBuild,
  exportBuildBody,
  firstPollMs,
  nextPollDelay,
  usesBackgroundBuild,
} from './export-build';

describe('export builds', () => {
  it('builds on the server past the shared image threshold only', () => {
    expect(usesBackgroundBuild(0)).toBe(false);
    expect(usesBackgroundBuild(exportBackgroundMinImages)).toBe(false);
    expect(usesBackgroundBuild(exportBackgroundMinImages + 1)).toBe(true);
    expect(exportBackgroundMinBytes).toBe(1024 ** 3);
  });

  it('sends the selection as export.zip would carry it, with the options', () => {
    expect(exportBuildBody({ ids: [3, 1] }, { sidecars: true })).toEqual({ ids: '3,1', sidecars: true });
    expect(exportBuildBody({ query: { q: 'cat' } }, { redact: true })).toEqual({ q: 'cat', redact: true });
    expect(exportBuildBody({ query: {} }, {})).toEqual({});
  });

  it('polls after a second, then backs off to at most five seconds', () => {
    const delays: number[] = [];
    let delay: number | null = null;
    for (let i = 0; i < 8; i += 1) {
      delay = nextPollDelay(delay);
      delays.push(delay);
    }
    expect(delays).toEqual([firstPollMs, 1500, 2250, 3375, 5000, 5000, 5000, 5000]);
  });

  it('describes each state of a build', () => {
    const base = { progress: 0.423, bytes: 2 * 1024 ** 3, images: 1200 };
    expect(describeBuild({ ...base, status: 'queued' })).toBe(
      'Waiting to build the ZIP (1200 images, 2.0 GB)',
    );
    expect(describeBuild({ ...base, status: 'running' })).toBe('Building the ZIP: 42 % of 2.0 GB');
    expect(describeBuild({ ...base, status: 'ready', images: 1 })).toBe('ZIP ready (1 image, 2.0 GB)');
    expect(describeBuild({ ...base, status: 'failed' })).toBe('The ZIP could not be built');
  });
});
