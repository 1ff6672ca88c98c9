import type { ComfyUploadResponse } from '@atelier/contract';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { strokeTo } from '../domain/mask';
import { useMaskStore } from './mask';
import { useUploadsStore } from './uploads';

const input = (image: string, width = 8, height = 4) => ({ image, width, height });

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('mask store', () => {
  it('keeps one mask per input image, at its size', () => {
    const masks = useMaskStore();
    const first = masks.forInput(input('atelier/a.png'));
    expect([first.width, first.height, first.alpha.length]).toEqual([8, 4, 32]);
    expect(masks.forInput(input('atelier/a.png'))).toBe(first);
    const other = masks.forInput(input('atelier/b.png'));
    expect(other).not.toBe(first);
    expect(masks.forInput(input('atelier/b.png', 16, 16)).width).toBe(16);
  });

  it('is active only while painting is on and something is painted', () => {
    const masks = useMaskStore();
    masks.forInput(input('atelier/a.png'));
    masks.changed(true);
    expect(masks.isActive).toBe(false);
    masks.isEnabled = true;
    expect(masks.isActive).toBe(true);
    masks.changed(false);
    expect(masks.isActive).toBe(false);
    masks.changed(true);
    masks.discard();
    expect([masks.isActive, masks.isEnabled, masks.buffer]).toEqual([false, false, null]);
  });

  it('uploads nothing when nothing is painted', async () => {
    const masks = useMaskStore();
    const upload = vi.spyOn(useUploadsStore(), 'upload');
    masks.isEnabled = true;
    masks.forInput(input('atelier/a.png'));
    expect(await masks.upload()).toBeNull();
    expect(upload).not.toHaveBeenCalled();
  });

  it('uploads the painted mask as an ephemeral PNG of kind mask, white where painted', async () => {
    const masks = useMaskStore();
    const answer = { image: 'atelier/atelier-0123.png' } as ComfyUploadResponse;
    const upload = vi.spyOn(useUploadsStore(), 'upload').mockResolvedValue(answer);
    // happy-dom draws nothing: catch the pixels handed to the canvas and the PNG it is asked for.
    const drawn: ImageData[] = [];
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue({
      putImageData: (data: ImageData) => drawn.push(data),
    } as unknown as CanvasRenderingContext2D);
    vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation((done, type) =>
      done(new Blob(['png'], { type })),
    );
    masks.isEnabled = true;
    const mask = masks.forInput(input('atelier/a.png'));
    strokeTo(mask, { x: 0.5, y: 0.5 }, { x: 0.5, y: 0.5 }, 1, 'brush');
    masks.changed(true);

    expect(await masks.upload()).toBe(answer);
    const [blob, options] = upload.mock.calls[0]!;
    expect(blob.type).toBe('image/png');
    expect(options).toMatchObject({ kind: 'mask', ephemeral: true });
    expect([drawn[0]!.width, drawn[0]!.height]).toEqual([8, 4]);
    expect(Array.from(drawn[0]!.data.slice(0, 8))).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
  });
});
