/** A zoom and pan shared by the panes of the compare view: `translate(x, y) scale(scale)`. */
export interface ZoomView {
  scale: number;
  x: number;
  y: number;
}

export const zoomLimits = { min: 1, max: 16 } as const;
export const identityView: ZoomView = { scale: 1, x: 0, y: 0 };

/**
 * Zooms by `factor` keeping the point under the cursor still. `point` is relative to the pane's
 * centre, where the transform's origin sits. At scale 1 the view is recentred.
 */
export function zoomAt(view: ZoomView, factor: number, point: { x: number; y: number }): ZoomView {
  if (!Number.isFinite(factor) || factor <= 0) return view;
  const scale = Math.min(zoomLimits.max, Math.max(zoomLimits.min, view.scale * factor));
  if (scale === zoomLimits.min) return identityView;
  const ratio = scale / view.scale;
  return { scale, x: point.x - (point.x - view.x) * ratio, y: point.y - (point.y - view.y) * ratio };
}

/** Pans by a pointer movement; at scale 1 there is nothing to pan. */
export function panBy(view: ZoomView, dx: number, dy: number): ZoomView {
  if (view.scale === 1) return view;
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** The wheel's zoom factor: a notch (100 px) zooms by 1.25, smoothly for trackpads. */
export function wheelFactor(deltaY: number): number {
  return Math.pow(1.25, -deltaY / 100);
}

export function transformOf(view: ZoomView): string {
  return `translate(${view.x.toFixed(1)}px, ${view.y.toFixed(1)}px) scale(${view.scale.toFixed(3)})`;
}
