import { describe, expect, it } from 'vitest';
import {
  brushSizes,
  clampBrushSize,
  clearMask,
  clientToImage,
  createMask,
  fitScale,
  fromCentre,
  hasPaint,
  invert,
  maskCommandOf,
  overlayPixels,
  pinchView,
  stepBrushSize,
  strokeTo,
  toMaskPixels,
  wholeMask,
  type MaskBuffer,
} from './mask';
import { identityView, zoomAt } from './zoom-view';

const at = (mask: MaskBuffer, x: number, y: number) => mask.alpha[y * mask.width + x];
const paintedCount = (mask: MaskBuffer) => mask.alpha.filter((v) => v !== 0).length;

describe('mask strokes', () => {
  it('paints a round-capped line of the brush width and reports what it changed', () => {
    const mask = createMask(100, 50);
    const rect = strokeTo(mask, { x: 10, y: 25 }, { x: 90, y: 25 }, 10, 'brush');
    expect(rect).toEqual({ x: 5, y: 20, width: 90, height: 10 });
    // Along the line and within the radius: painted; just outside: kept.
    for (const x of [10, 30, 50, 89]) expect(at(mask, x, 25)).toBe(255);
    expect(at(mask, 50, 21)).toBe(255);
    expect(at(mask, 50, 29)).toBe(255);
    expect(at(mask, 50, 18)).toBe(0);
    expect(at(mask, 50, 31)).toBe(0);
    expect(at(mask, 97, 25)).toBe(0);
    // Round caps: the corner of the bounding box stays clear.
    expect(at(mask, 5, 20)).toBe(0);
  });

  it('joins successive moves without gaps, and a click alone paints a dot', () => {
    const mask = createMask(64, 64);
    const points = [
      { x: 5, y: 5 },
      { x: 30, y: 40 },
      { x: 60, y: 10 },
    ];
    for (let i = 1; i < points.length; i++) strokeTo(mask, points[i - 1]!, points[i]!, 4, 'brush');
    for (let t = 0; t <= 1; t += 0.05) {
      const x = Math.floor(5 + 25 * t);
      const y = Math.floor(5 + 35 * t);
      expect(at(mask, x, y)).toBe(255);
    }
    const dot = createMask(20, 20);
    strokeTo(dot, { x: 10, y: 10 }, { x: 10, y: 10 }, 6, 'brush');
    expect(paintedCount(dot)).toBeGreaterThan(20);
    expect(paintedCount(dot)).toBeLessThan(36);
  });

  it('erases with the eraser, clips at the edges and ignores strokes off the mask', () => {
    const mask = createMask(20, 20);
    strokeTo(mask, { x: 0, y: 10 }, { x: 20, y: 10 }, 8, 'brush');
    strokeTo(mask, { x: 10, y: 0 }, { x: 10, y: 20 }, 4, 'eraser');
    expect(at(mask, 10, 10)).toBe(0);
    expect(at(mask, 3, 10)).toBe(255);
    expect(strokeTo(mask, { x: -5, y: 10 }, { x: -1, y: 10 }, 8, 'brush')).toEqual({
      x: 0,
      y: 6,
      width: 3,
      height: 8,
    });
    expect(strokeTo(mask, { x: -50, y: -50 }, { x: -40, y: -40 }, 8, 'brush')).toBeNull();
  });

  it('inverts, clears and knows whether anything is painted', () => {
    const mask = createMask(10, 10);
    expect(hasPaint(mask)).toBe(false);
    strokeTo(mask, { x: 2, y: 2 }, { x: 2, y: 2 }, 2, 'brush');
    expect(hasPaint(mask)).toBe(true);
    const before = paintedCount(mask);
    invert(mask);
    expect(paintedCount(mask)).toBe(100 - before);
    expect(at(mask, 2, 2)).toBe(0);
    clearMask(mask);
    expect(hasPaint(mask)).toBe(false);
  });
});

describe('mask pixels', () => {
  it('exports opaque white where painted and opaque black where kept', () => {
    const mask = createMask(3, 1);
    mask.alpha[1] = 255;
    expect(Array.from(toMaskPixels(mask))).toEqual([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('draws the overlay of a rectangle in a colour, transparent where kept', () => {
    const mask = createMask(4, 4);
    mask.alpha[1 * 4 + 2] = 255;
    const rgba = overlayPixels(mask, { x: 1, y: 1, width: 2, height: 1 }, [10, 20, 30]);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 0, 10, 20, 30, 255]);
    expect(wholeMask(mask)).toEqual({ x: 0, y: 0, width: 4, height: 4 });
  });
});

describe('brush size', () => {
  it('steps by about a quarter, at least a pixel, within its bounds', () => {
    expect(stepBrushSize(32, 1)).toBe(40);
    expect(stepBrushSize(32, -1)).toBe(26);
    expect(stepBrushSize(2, 1)).toBe(3);
    expect(stepBrushSize(1, -1)).toBe(brushSizes.min);
    expect(stepBrushSize(brushSizes.max, 1)).toBe(brushSizes.max);
    expect(clampBrushSize(Number.NaN)).toBe(brushSizes.initial);
    expect(clampBrushSize(7.6)).toBe(8);
  });
});

describe('mask view', () => {
  it('fits the image into its box', () => {
    expect(fitScale({ width: 1000, height: 500 }, { width: 400, height: 400 })).toBe(0.4);
    expect(fitScale({ width: 0, height: 500 }, { width: 400, height: 400 })).toBe(1);
  });

  it('maps a pointer to input pixels through the zoomed box', () => {
    const image = { width: 512, height: 256 };
    // Shown at 256×128 from (100, 50): the centre of the box is the centre of the image.
    expect(clientToImage({ x: 228, y: 114 }, { left: 100, top: 50, width: 256, height: 128 }, image)).toEqual(
      {
        x: 256,
        y: 128,
      },
    );
    // Zoomed 4× the box grows (it may start off-screen); a quarter of the way across is still x = 128.
    expect(
      clientToImage({ x: -100, y: 0 }, { left: -356, top: -50, width: 1024, height: 512 }, image),
    ).toEqual({
      x: 128,
      y: 25,
    });
    expect(fromCentre({ x: 110, y: 60 }, { left: 0, top: 0, width: 200, height: 100 })).toEqual({
      x: 10,
      y: 10,
    });
  });

  it('zooms by a pinch about its midpoint and pans with two fingers', () => {
    const spread = pinchView(
      identityView,
      [
        { x: -10, y: 0 },
        { x: 10, y: 0 },
      ],
      [
        { x: -20, y: 0 },
        { x: 20, y: 0 },
      ],
    );
    expect(spread.scale).toBeCloseTo(2);
    const zoomed = zoomAt(identityView, 2, { x: 0, y: 0 });
    const moved = pinchView(
      zoomed,
      [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
      ],
      [
        { x: 30, y: 20 },
        { x: 40, y: 20 },
      ],
    );
    expect(moved).toEqual({ scale: 2, x: 30, y: 20 });
  });
});

describe('mask keys', () => {
  const press = (
    key: string,
    mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {},
  ) => maskCommandOf({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('maps the editor keys to commands', () => {
    expect(press('[')).toBe('smaller');
    expect(press(']')).toBe('bigger');
    expect(press('x')).toBe('swapTool');
    expect(press('X', { shiftKey: true })).toBe('swapTool');
    expect(press('z', { ctrlKey: true })).toBe('undo');
    expect(press('z', { metaKey: true })).toBe('undo');
    expect(press('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(press('y', { ctrlKey: true })).toBe('redo');
    expect(press('+')).toBe('zoomIn');
    expect(press('-')).toBe('zoomOut');
    expect(press('0')).toBe('fit');
  });

  it('leaves other keys and Alt combinations to the page', () => {
    expect(press('a')).toBeNull();
    expect(press('z')).toBeNull();
    expect(press('x', { ctrlKey: true })).toBeNull();
    expect(press('[', { altKey: true })).toBeNull();
  });
});
