import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { describeError } from '../stores/errors';
import { describeCapError, describeNoBackend } from './cap-errors';

describe('cap errors', () => {
  it('names the cap a full queue hit', () => {
    expect(describeCapError('comfy.queue_full', { cap: 'max_waiting', limit: 20, current: 20 })).toBe(
      'Your queue is full (20 waiting jobs max for your role). Wait for some to start or cancel one.',
    );
    expect(describeCapError('comfy.queue_full', { cap: 'max_waiting', limit: 20, value: 30 })).toContain(
      '30 more would not fit',
    );
  });

  it('says how much of the quota is used and when it resets', () => {
    const text = describeCapError(
      'comfy.quota_exceeded',
      { cap: 'gpu_seconds_per_day', limit: 600, current: 612.5 },
      1800,
    );
    expect(text).toBe(
      "You have used today's GPU time (612.5 of 600 GPU-seconds a day for your role). It resets in 30 min.",
    );
  });

  it('says what was asked against the limit, and where in the graph', () => {
    expect(
      describeCapError('comfy.limit_exceeded', { cap: 'max_steps', limit: 50, value: 80, field: '3.steps' }),
    ).toBe('Too many sampling steps in node 3 (80 asked, 50 max for your role).');
    expect(describeCapError('comfy.limit_exceeded', { cap: 'max_batch_size', limit: 4, value: 8 })).toBe(
      'Too many images in one batch (8 asked, 4 max for your role).',
    );
    expect(
      describeCapError('comfy.limit_exceeded', { cap: 'max_pixels', limit: 1048576, value: 4194304 }),
    ).toMatch(
      /^The image is too large \(4[,.\s]?194[,.\s]?304 pixels, 1[,.\s]?048[,.\s]?576 pixels max for your role\)\.$/,
    );
    expect(describeCapError('comfy.not_allowed', { cap: 'max_running', limit: 0 })).toBe(
      'Your role may not run jobs here. Ask an admin.',
    );
    expect(describeCapError('comfy.not_allowed', { cap: 'sweep_jobs', limit: 0 })).toBe(
      'Your role may not run sweeps here. Ask an admin.',
    );
  });

  it('lists what each backend lacks when none can run a graph', () => {
    expect(
      describeNoBackend({
        backends: { 'gpu-a': ['FluxGuidance', 'flux1-dev.safetensors'], 'gpu-b': ['FluxGuidance'] },
      }),
    ).toBe(
      'No backend can run this graph: gpu-a lacks FluxGuidance, flux1-dev.safetensors; gpu-b lacks FluxGuidance.',
    );
    expect(describeNoBackend({ backends: {} })).toBe(
      'No backend can run this graph: none is enabled and connected.',
    );
  });

  it('leaves other errors, and cap errors without their details, to the server message', () => {
    expect(describeCapError('validation_failed', { cap: 'max_steps', limit: 1 })).toBeNull();
    expect(describeCapError('comfy.queue_full', { limit: 3 })).toBeNull();
    expect(describeError(new ApiError(429, 'comfy.queue_full', 'Queue full.', {}))).toBe('Queue full.');
    expect(
      describeError(new ApiError(429, 'comfy.queue_full', 'Queue full.', { cap: 'max_waiting', limit: 2 })),
    ).toMatch(/^Your queue is full \(2 waiting jobs max/);
  });
});
