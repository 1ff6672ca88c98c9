import { panBy, zoomAt, type ZoomView } from './zoom-view';

/**
 * An inpainting mask as the editor paints it: one byte per pixel of the input image, 255 where the
 * model should repaint, 0 where the image is kept. It is kept at the input's own pixel size so the
 * exported PNG lines up with the image whatever the zoom.
 */
export interface MaskBuffer {
  readonly width: number;
  readonly height: number;
  readonly alpha: Uint8Array;
}

export type MaskTool = 'brush' | 'eraser';

export interface Point {
  x: number;
  y: number;
}

/** A pixel rectangle, clipped to the mask; what a stroke changed and so what needs redrawing. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Size {
  width: number;
  height: number;
}

/** Brush diameters in input pixels. */
export const brushSizes = { min: 1, max: 512, initial: 32 } as const;

export const painted = 255;

export function createMask(width: number, height: number): MaskBuffer {
  return { width, height, alpha: new Uint8Array(width * height) };
}

export function clampBrushSize(size: number): number {
  if (!Number.isFinite(size)) return brushSizes.initial;
  return Math.min(brushSizes.max, Math.max(brushSizes.min, Math.round(size)));
}

/** `]` / `[`: a quarter bigger or smaller, at least one pixel, so small and large brushes both move. */
export function stepBrushSize(size: number, direction: 1 | -1): number {
  const scaled = Math.round(size * Math.pow(1.25, direction));
  const next = scaled === size ? size + direction : scaled;
  return clampBrushSize(next);
}

function distanceToSegmentSquared(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSquared = dx * dx + dy * dy;
  const t =
    lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared));
  const ex = p.x - (a.x + t * dx);
  const ey = p.y - (a.y + t * dy);
  return ex * ex + ey * ey;
}

/**
 * Paints (brush) or clears (eraser) every pixel whose centre lies within `size / 2` of the segment
 * from → to: a round-capped line, so a pointer's successive moves join without gaps. A single point
 * (from = to) is a dot. Points are in input pixels; answers the changed rectangle, or null off the mask.
 */
export function strokeTo(
  mask: MaskBuffer,
  from: Point,
  to: Point,
  size: number,
  tool: MaskTool,
): PixelRect | null {
  const radius = Math.max(0.5, size / 2);
  const x0 = Math.max(0, Math.floor(Math.min(from.x, to.x) - radius));
  const y0 = Math.max(0, Math.floor(Math.min(from.y, to.y) - radius));
  const x1 = Math.min(mask.width, Math.ceil(Math.max(from.x, to.x) + radius));
  const y1 = Math.min(mask.height, Math.ceil(Math.max(from.y, to.y) + radius));
  if (x1 <= x0 || y1 <= y0) return null;
  const value = tool === 'brush' ? painted : 0;
  const limit = radius * radius;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (distanceToSegmentSquared({ x: x + 0.5, y: y + 0.5 }, from, to) <= limit)
        mask.alpha[y * mask.width + x] = value;
    }
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Swaps painted and kept everywhere. */
export function invert(mask: MaskBuffer): void {
  const { alpha } = mask;
  for (let i = 0; i < alpha.length; i++) alpha[i] = painted - alpha[i]!;
}

export function clearMask(mask: MaskBuffer): void {
  mask.alpha.fill(0);
}

export function hasPaint(mask: MaskBuffer): boolean {
  return mask.alpha.some((value) => value !== 0);
}

/**
 * The PNG's pixels, as LoadImageMask reads them (its default red channel): opaque white where
 * painted (repaint), opaque black elsewhere (keep).
 */
export function toMaskPixels(mask: MaskBuffer): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(mask.alpha.length * 4);
  for (let i = 0; i < mask.alpha.length; i++) {
    const v = mask.alpha[i] === 0 ? 0 : 255;
    rgba[i * 4] = v;
    rgba[i * 4 + 1] = v;
    rgba[i * 4 + 2] = v;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * The on-screen overlay for one rectangle: `color` where painted, transparent elsewhere (the
 * canvas's own opacity lets the image show through).
 */
export function overlayPixels(
  mask: MaskBuffer,
  rect: PixelRect,
  color: readonly [number, number, number],
): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      if (mask.alpha[(rect.y + y) * mask.width + rect.x + x] === 0) continue;
      const o = (y * rect.width + x) * 4;
      rgba[o] = color[0];
      rgba[o + 1] = color[1];
      rgba[o + 2] = color[2];
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

export const wholeMask = (mask: Size): PixelRect => ({ x: 0, y: 0, width: mask.width, height: mask.height });

/** The scale at which the whole image fits the box (the editor's zoom 1). */
export function fitScale(image: Size, box: Size): number {
  if (image.width <= 0 || image.height <= 0 || box.width <= 0 || box.height <= 0) return 1;
  return Math.min(box.width / image.width, box.height / image.height);
}

/**
 * A pointer's position in input pixels, from the on-screen box of the (zoomed, panned) image: the
 * box already includes the view transform, so this holds at any zoom.
 */
export function clientToImage(client: Point, box: { left: number; top: number } & Size, image: Size): Point {
  return {
    x: ((client.x - box.left) / box.width) * image.width,
    y: ((client.y - box.top) / box.height) * image.height,
  };
}

/** A point relative to a box's centre, where the view transform's origin sits. */
export function fromCentre(client: Point, box: { left: number; top: number } & Size): Point {
  return { x: client.x - box.left - box.width / 2, y: client.y - box.top - box.height / 2 };
}

const midpoint = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Two fingers moving from `before` to `after` (points relative to the viewport's centre): the view
 * zooms by how much they spread about their midpoint, then pans by how far the midpoint moved.
 */
export function pinchView(
  view: ZoomView,
  before: readonly [Point, Point],
  after: readonly [Point, Point],
): ZoomView {
  const spread = distance(before[0], before[1]);
  const factor = spread === 0 ? 1 : distance(after[0], after[1]) / spread;
  const from = midpoint(before[0], before[1]);
  const to = midpoint(after[0], after[1]);
  return panBy(zoomAt(view, factor, from), to.x - from.x, to.y - from.y);
}

export type MaskCommand = 'smaller' | 'bigger' | 'swapTool' | 'undo' | 'redo' | 'zoomIn' | 'zoomOut' | 'fit';

type KeyPress = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>;

/**
 * The editor's keys: `[` `]` brush size, `X` brush ⇄ eraser, Ctrl/⌘-Z undo, Ctrl/⌘-Shift-Z or
 * Ctrl/⌘-Y redo, `+` `-` `0` zoom. Anything else (Alt combinations too) is left to the page.
 */
export function maskCommandOf(press: KeyPress): MaskCommand | null {
  if (press.altKey) return null;
  const key = press.key.toLowerCase();
  if (press.ctrlKey || press.metaKey) {
    if (key === 'z') return press.shiftKey ? 'redo' : 'undo';
    return key === 'y' ? 'redo' : null;
  }
  const plain: Record<string, MaskCommand> = {
    '[': 'smaller',
    ']': 'bigger',
    x: 'swapTool',
    '+': 'zoomIn',
    '=': 'zoomIn',
    '-': 'zoomOut',
    '0': 'fit',
  };
  return plain[key] ?? null;
}
