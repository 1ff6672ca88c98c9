import type { ImageParams } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import {
  shareHasExpired,
  shareParamRows,
  shareSubject,
  shareViewsLabel,
  stepShareImage,
} from './share-summary';

const params: ImageParams = {
  positive: 'a lighthouse',
  negative: '',
  checkpoint: 'sd_xl_base_1.0.safetensors',
  loras: [{ name: 'film.safetensors', weight: 0.8 }],
  sampler: 'euler',
  scheduler: null,
  steps: 20,
  cfg: 7,
  seed: 0,
  denoise: null,
  width: 1024,
  height: null,
  template_id: null,
  template_version: null,
  backend: null,
  backend_version: null,
  source: 'params',
};

describe('shareSubject', () => {
  it('counts the images of an image or selection link and names a board', () => {
    expect(shareSubject({ kind: 'image', image_ids: [4], board: null })).toBe('1 image');
    expect(shareSubject({ kind: 'selection', image_ids: [4, 5, 6], board: null })).toBe('3 images');
    expect(shareSubject({ kind: 'board', image_ids: null, board: { id: 2, name: 'Harbours' } })).toBe(
      'Board “Harbours”',
    );
    expect(shareSubject({ kind: 'board', image_ids: null, board: null })).toBe('A deleted board');
  });
});

describe('shareHasExpired', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it('is false without an expiry or before it, true at and after it', () => {
    expect(shareHasExpired(null, now)).toBe(false);
    expect(shareHasExpired('2026-03-01T12:00:01Z', now)).toBe(false);
    expect(shareHasExpired('2026-03-01T12:00:00Z', now)).toBe(true);
    expect(shareHasExpired('2026-02-01T00:00:00Z', now)).toBe(true);
  });
});

describe('shareViewsLabel', () => {
  it('says view in the singular once', () => {
    expect(shareViewsLabel(0)).toBe('0 views');
    expect(shareViewsLabel(1)).toBe('1 view');
    expect(shareViewsLabel(12)).toBe('12 views');
  });
});

describe('stepShareImage', () => {
  it('moves within the list and stops at either end', () => {
    expect(stepShareImage(0, 1, 3)).toBe(1);
    expect(stepShareImage(2, -1, 3)).toBe(1);
    expect(stepShareImage(2, 1, 3)).toBeNull();
    expect(stepShareImage(0, -1, 3)).toBeNull();
    expect(stepShareImage(0, 1, 1)).toBeNull();
  });
});

describe('shareParamRows', () => {
  it('shows nothing for a redacted image', () => {
    expect(shareParamRows(null)).toEqual([]);
  });

  it('lists the values present, keeping zero and leaving out empty ones', () => {
    expect(shareParamRows(params)).toEqual([
      { label: 'Prompt', value: 'a lighthouse' },
      { label: 'Checkpoint', value: 'sd_xl_base_1.0.safetensors' },
      { label: 'LoRAs', value: 'film.safetensors' },
      { label: 'Sampler', value: 'euler' },
      { label: 'Steps', value: '20' },
      { label: 'CFG', value: '7' },
      { label: 'Seed', value: '0' },
    ]);
  });
});
