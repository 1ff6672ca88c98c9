import type { ComfyUploadResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { createMask, toMaskPixels, type MaskBuffer } from '../domain/mask';
import { useUploadsStore } from './uploads';

/** The PNG LoadImageMask reads: opaque white where painted, black elsewhere, at the mask's own size. */
function encodeMaskPng(mask: MaskBuffer): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  const context = canvas.getContext('2d');
  if (!context) return Promise.reject(new Error('This browser cannot draw the mask.'));
  context.putImageData(new ImageData(toMaskPixels(mask), mask.width, mask.height), 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('Could not encode the mask.'))),
      'image/png',
    ),
  );
}

/**
 * The inpainting mask painted over the Generate form's input image. It lives here, not in the draft:
 * pixels are too big for localStorage, and the uploaded mask is ephemeral (the server deletes it once a
 * job used it), so it is uploaded afresh at each submit (same pixels, same name).
 */
export const useMaskStore = defineStore('mask', () => {
  const uploads = useUploadsStore();
  /** "Paint a mask" is on. */
  const isEnabled = ref(false);
  const buffer = shallowRef<MaskBuffer | null>(null);
  const isPainted = ref(false);
  let inputImage: string | null = null;
  /** A submit would send a mask: painting is on and something is painted. */
  const isActive = computed(() => isEnabled.value && isPainted.value && buffer.value !== null);

  /** The mask for this input image: the same one while the input stays, a blank one for another. */
  function forInput(input: Pick<ComfyUploadResponse, 'image' | 'width' | 'height'>): MaskBuffer {
    const current = buffer.value;
    if (
      current &&
      inputImage === input.image &&
      current.width === input.width &&
      current.height === input.height
    )
      return current;
    inputImage = input.image;
    isPainted.value = false;
    buffer.value = createMask(input.width, input.height);
    return buffer.value;
  }

  /** The editor finished an edit. */
  function changed(painted: boolean): void {
    isPainted.value = painted;
  }

  /** The input went away: so does its mask. */
  function discard(): void {
    buffer.value = null;
    inputImage = null;
    isPainted.value = false;
    isEnabled.value = false;
  }

  /** At submit: the painted mask as an upload (kind mask, ephemeral), or null when there is none to send. */
  async function upload(): Promise<ComfyUploadResponse | null> {
    const mask = buffer.value;
    if (!isActive.value || !mask) return null;
    const png = await encodeMaskPng(mask);
    return uploads.upload(png, { key: 'mask', kind: 'mask', ephemeral: true, filename: 'mask.png' });
  }

  return { isEnabled, isPainted, isActive, buffer, forInput, changed, discard, upload };
});
