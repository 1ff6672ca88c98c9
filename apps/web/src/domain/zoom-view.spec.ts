import { describe, expect, it } from 'vitest';
import { identityView, panBy, transformOf, wheelFactor, zoomAt, zoomLimits } from './zoom-view';

describe('zoom view', () => {
  it('keeps the point under the cursor still while zooming', () => {
    const point = { x: 100, y: -40 };
    const view = zoomAt(identityView, 2, point);
    expect(view.scale).toBe(2);
    // The image point that was under the cursor, (point - offset) / scale, is unchanged.
    expect((point.x - view.x) / view.scale).toBeCloseTo(point.x);
    expect((point.y - view.y) / view.scale).toBeCloseTo(point.y);
  });

  it('stays within its limits and recentres when zoomed all the way out', () => {
    expect(zoomAt(identityView, 1000, { x: 0, y: 0 }).scale).toBe(zoomLimits.max);
    const zoomed = zoomAt(identityView, 4, { x: 50, y: 50 });
    expect(zoomAt(zoomed, 0.01, { x: 10, y: 10 })).toEqual(identityView);
    expect(zoomAt(zoomed, Number.NaN, { x: 0, y: 0 })).toBe(zoomed);
    expect(zoomAt(zoomed, -2, { x: 0, y: 0 })).toBe(zoomed);
  });

  it('pans only when zoomed in', () => {
    expect(panBy(identityView, 30, 30)).toBe(identityView);
    const zoomed = zoomAt(identityView, 2, { x: 0, y: 0 });
    expect(panBy(zoomed, 30, -10)).toEqual({ scale: 2, x: 30, y: -10 });
  });

  it('zooms in on a wheel turned away from the user, and writes a CSS transform', () => {
    expect(wheelFactor(-100)).toBeCloseTo(1.25);
    expect(wheelFactor(100)).toBeCloseTo(0.8);
    expect(transformOf({ scale: 2, x: 1.23, y: -4 })).toBe('translate(1.2px, -4.0px) scale(2.000)');
  });
});
