import type { ComfyUploadResponse } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import {
  defaultDraft,
  denoiseDefault,
  draftFromParams,
  draftMode,
  restoreDraft,
  toParams,
  validateDraft,
  type Txt2ImgDraft,
} from './txt2img-draft';

const upload = (n: number, kind: 'image' | 'mask' = 'image'): ComfyUploadResponse => ({
  id: n,
  name: `atelier-${n}.png`,
  subfolder: 'atelier',
  type: 'input',
  image: `atelier/atelier-${n}.png`,
  kind,
  ephemeral: kind === 'mask',
  mime: 'image/png',
  bytes: 100,
  width: 640,
  height: 480,
  sha256: String(n).repeat(64).slice(0, 64),
});

const draft = (patch: Partial<Txt2ImgDraft> = {}): Txt2ImgDraft => ({
  ...defaultDraft(),
  caption: 'a fox',
  width: 832,
  height: 1216,
  ...patch,
});

describe('toParams per mode', () => {
  it('text to image: width and height, no image, mask or denoise', () => {
    const params = toParams(draft(), []);
    expect(draftMode(draft())).toBe('txt2img');
    expect(params).toMatchObject({ caption: 'a fox', width: 832, height: 1216 });
    expect(params).not.toHaveProperty('image');
    expect(params).not.toHaveProperty('denoise');
  });

  it('img2img following the input: the image and the default denoise, no width or height', () => {
    const params = toParams(draft({ image: upload(1) }), []);
    expect(params.image).toBe('atelier/atelier-1.png');
    expect(params.denoise).toBe(0.75);
    expect(params).not.toHaveProperty('width');
    expect(params).not.toHaveProperty('height');
    expect(params).not.toHaveProperty('mask');
  });

  it('img2img at a chosen size sends width, height and the chosen denoise', () => {
    const params = toParams(draft({ image: upload(1), matchInputSize: false, denoise: 0.4 }), []);
    expect(params).toMatchObject({ image: 'atelier/atelier-1.png', width: 832, height: 1216, denoise: 0.4 });
  });

  it('inpainting never sends a size (the API refuses it) and repaints fully by default', () => {
    const inpaint = draft({ image: upload(1), mask: upload(2, 'mask'), matchInputSize: false });
    expect(draftMode(inpaint)).toBe('inpaint');
    const params = toParams(inpaint, []);
    expect(params).toMatchObject({
      image: 'atelier/atelier-1.png',
      mask: 'atelier/atelier-2.png',
      denoise: 1,
    });
    expect(params).not.toHaveProperty('width');
    expect(params).not.toHaveProperty('height');
    expect(denoiseDefault('inpaint')).toBe(1);
  });

  it('a mask without an image is not sent (the API would refuse it)', () => {
    const params = toParams(draft({ mask: upload(2, 'mask') }), []);
    expect(params).not.toHaveProperty('mask');
    expect(params).toMatchObject({ width: 832, height: 1216 });
  });
});

describe('validateDraft with an input image', () => {
  it('checks denoise bounds, and no size that is not sent', () => {
    expect(validateDraft(draft({ image: upload(1), denoise: 1.5 })).denoise).toBe('Denoise from 0 to 1.');
    expect(validateDraft(draft({ image: upload(1), denoise: 0 }))).toEqual({});
    expect(validateDraft(draft({ image: upload(1), width: 1001 }))).toEqual({});
    expect(validateDraft(draft({ image: upload(1), width: 1001, matchInputSize: false })).width).toBe(
      'Width must be a multiple of 8.',
    );
    // Without an image the denoise is not sent, so it cannot be wrong.
    expect(validateDraft(draft({ denoise: Number.NaN }))).toEqual({});
  });
});

describe('restoreDraft', () => {
  it('keeps a draft stored before input images valid: none, default denoise, following the input', () => {
    const old = { caption: 'old', width: 512, height: 512 } as Partial<Txt2ImgDraft>;
    const restored = restoreDraft(old, defaultDraft());
    expect(restored).toMatchObject({
      caption: 'old',
      image: null,
      mask: null,
      denoise: null,
      matchInputSize: true,
    });
    expect(toParams(restored, [])).toMatchObject({ width: 512, height: 512 });
  });

  it('drops a stored image that is not an upload, and a mask without its image', () => {
    const garbled = {
      image: { name: 3 },
      mask: upload(2, 'mask'),
      denoise: 'much',
    } as unknown as Partial<Txt2ImgDraft>;
    expect(restoreDraft(garbled, defaultDraft())).toMatchObject({ image: null, mask: null, denoise: null });
    const kept = restoreDraft({ image: upload(1), denoise: 0.3, matchInputSize: false }, defaultDraft());
    expect(kept).toMatchObject({ image: upload(1), denoise: 0.3, matchInputSize: false });
  });
});

describe('draftFromParams', () => {
  it('takes a past img2img job’s denoise and leaves the current input image alone', () => {
    const base = draft({ image: upload(1) });
    const next = draftFromParams({ caption: 'again', image: 'someone/else.png', denoise: 0.55 }, base);
    expect(next).toMatchObject({ caption: 'again', image: upload(1), denoise: 0.55 });
  });
});
