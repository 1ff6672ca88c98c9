/**
 * img2img and inpainting: the sampler's empty latent is replaced by an encoded input image —
 * LoadImage (→ ImageScale) → VAEEncode for img2img; for inpainting the mask comes from LoadImageMask (or the
 * image's own alpha, LoadImage's MASK output) and the latent from VAEEncodeForInpaint (denoise 1) or VAEEncode +
 * SetLatentNoiseMask (partial denoise, which keeps the masked area's content as a start).
 */
import { txt2imgDefaults, type Txt2ImgMaskChannel, type Txt2ImgParams } from '@atelier/contract';

import { isApiLink, type ApiLink, type ApiPrompt } from '../api-prompt.js';
import { addNode, readersOf } from './graph-edit.js';

export type ImageMode = 'img2img' | 'inpaint';

/** What the request asks for, resolved: names, channel, denoise. */
export interface ImageSource {
  mode: ImageMode;
  image: string;
  mask: string | null;
  maskChannel: Txt2ImgMaskChannel;
  denoise: number;
  /** Requested output size (img2img only); absent sides keep the image's aspect ratio. */
  width?: number;
  height?: number;
  batchSize: number;
}

/** Inpainting grows the mask a little so the seam is repainted too (VAEEncodeForInpaint's default). */
const growMaskBy = 6;

export function imageSourceOf(params: Txt2ImgParams): ImageSource | null {
  if (params.image === undefined) return null;
  const mode: ImageMode = params.mask === undefined ? 'img2img' : 'inpaint';
  const usesOwnAlpha = params.mask === params.image;
  return {
    mode,
    image: params.image,
    mask: params.mask ?? null,
    maskChannel: params.mask_channel ?? (usesOwnAlpha ? 'alpha' : 'red'),
    denoise:
      params.denoise ??
      (mode === 'inpaint' ? txt2imgDefaults.inpaint_denoise : txt2imgDefaults.img2img_denoise),
    ...(params.width !== undefined ? { width: params.width } : {}),
    ...(params.height !== undefined ? { height: params.height } : {}),
    batchSize: params.batch_size ?? 1,
  };
}

/** The node classes the image source needs on the server. */
export function imageSourceNodeClasses(source: ImageSource): string[] {
  const classes = ['LoadImage', 'VAEEncode'];
  if (source.width !== undefined || source.height !== undefined) classes.push('ImageScale');
  if (source.mode === 'inpaint') {
    if (!usesImageAlpha(source)) classes.push('LoadImageMask');
    classes.push(source.denoise >= 1 ? 'VAEEncodeForInpaint' : 'SetLatentNoiseMask');
  }
  if (source.batchSize > 1) classes.push('RepeatLatentBatch');
  return [...new Set(classes)];
}

function usesImageAlpha(source: ImageSource): boolean {
  return source.mask === source.image && source.maskChannel === 'alpha';
}

/** Where the image goes in: the sampler's empty latent and the VAE that decodes the sampler's output. */
export interface LatentSlot {
  samplerId: string;
  emptyLatentId: string;
  vae: ApiLink;
}

/** Finds the EmptyLatentImage feeding `samplerId` and the VAE of the VAEDecode reading it, or explains why not. */
export function findLatentSlot(prompt: ApiPrompt, samplerId: string): LatentSlot | string {
  const sampler = prompt[samplerId];
  const latent = sampler?.inputs.latent_image;
  const origin = isApiLink(latent) ? prompt[latent[0]] : undefined;
  if (!isApiLink(latent) || origin?.class_type !== 'EmptyLatentImage') {
    return 'its KSampler does not start from an EmptyLatentImage';
  }
  for (const reader of readersOf(prompt, [samplerId, 0])) {
    const node = prompt[reader.node];
    const vae = node?.inputs.vae;
    if (node?.class_type === 'VAEDecode' && reader.input === 'samples' && isApiLink(vae)) {
      return { samplerId, emptyLatentId: latent[0], vae: [...vae] };
    }
  }
  return 'no VAEDecode reads its KSampler, so there is no VAE to encode the image with';
}

/** Wires the image source in place of the empty latent and sets the sampler's denoise. */
export function useImageSource(prompt: ApiPrompt, slot: LatentSlot, source: ImageSource): void {
  const load = addNode(prompt, 'LoadImage', { image: source.image });
  let pixels: ApiLink = [load, 0];
  if (source.mode === 'img2img' && (source.width !== undefined || source.height !== undefined)) {
    const both = source.width !== undefined && source.height !== undefined;
    // ImageScale keeps the aspect ratio for a side of 0; with both sides given it fills them, cropping the centre.
    const scale = addNode(prompt, 'ImageScale', {
      upscale_method: 'lanczos',
      width: source.width ?? 0,
      height: source.height ?? 0,
      crop: both ? 'center' : 'disabled',
      image: pixels,
    });
    pixels = [scale, 0];
  }
  let latent: ApiLink;
  if (source.mode === 'img2img') {
    latent = [addNode(prompt, 'VAEEncode', { pixels, vae: slot.vae }), 0];
  } else {
    const mask: ApiLink = usesImageAlpha(source)
      ? [load, 1]
      : [addNode(prompt, 'LoadImageMask', { image: source.mask, channel: source.maskChannel }), 0];
    if (source.denoise >= 1) {
      latent = [
        addNode(prompt, 'VAEEncodeForInpaint', { grow_mask_by: growMaskBy, pixels, vae: slot.vae, mask }),
        0,
      ];
    } else {
      const encoded = addNode(prompt, 'VAEEncode', { pixels, vae: slot.vae });
      latent = [addNode(prompt, 'SetLatentNoiseMask', { samples: [encoded, 0], mask }), 0];
    }
  }
  if (source.batchSize > 1) {
    latent = [addNode(prompt, 'RepeatLatentBatch', { amount: source.batchSize, samples: latent }), 0];
  }
  const sampler = prompt[slot.samplerId];
  if (sampler) {
    sampler.inputs.latent_image = latent;
    sampler.inputs.denoise = source.denoise;
  }
  if (readersOf(prompt, [slot.emptyLatentId, 0]).length === 0) delete prompt[slot.emptyLatentId];
}
