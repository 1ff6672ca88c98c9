import { ref, type Ref } from 'vue';
import { fromCentre, pinchView, type Point } from '../domain/mask';
import { panBy, wheelFactor, zoomAt, type ZoomView } from '../domain/zoom-view';

export interface MaskPointerHooks {
  /** Space held: every button pans instead of painting. */
  isPanning: () => boolean;
  /** A pointer's position on the mask, in image pixels. */
  toImage: (event: PointerEvent) => Point;
  /** Paints (or erases) the segment between two image points. */
  paint: (from: Point, to: Point) => void;
  strokeStart: () => void;
  strokeEnd: () => void;
  /** A second finger came down: the stroke just begun was the start of a pinch. */
  strokeCancel: () => void;
}

/**
 * Pointer handling of the mask canvas. Mouse, pen and touch are all pointer events, captured so a
 * stroke continues outside the box. The primary button paints; a second finger turns a stroke into
 * a pinch (zoom and pan); the middle button, or any button while panning, pans; the wheel zooms
 * about the cursor. `hover` is the brush cursor's position from the viewport's centre (none for touch).
 */
export function useMaskPointers(
  viewport: Readonly<Ref<HTMLElement | null>>,
  view: Ref<ZoomView>,
  hooks: MaskPointerHooks,
) {
  const pointers = new Map<number, Point>();
  let stroke: { id: number; last: Point } | null = null;
  const hover = ref<Point | null>(null);

  function onPointerDown(event: PointerEvent): void {
    // The middle button would start the browser's autoscroll.
    if (event.button === 1) event.preventDefault();
    viewport.value?.setPointerCapture?.(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (stroke && pointers.size > 1) {
      stroke = null;
      hooks.strokeCancel();
      return;
    }
    const pans = hooks.isPanning() || event.button === 1 || pointers.size > 1;
    if (pans || event.button !== 0) return;
    const point = hooks.toImage(event);
    stroke = { id: event.pointerId, last: point };
    hooks.strokeStart();
    hooks.paint(point, point);
  }

  function onPointerMove(event: PointerEvent): void {
    const rect = viewport.value!.getBoundingClientRect();
    hover.value =
      event.pointerType === 'touch' ? null : fromCentre({ x: event.clientX, y: event.clientY }, rect);
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const now = { x: event.clientX, y: event.clientY };
    if (stroke?.id === event.pointerId) {
      // Fast strokes: the moves the browser merged into this one (none for synthetic events).
      const coalesced = event.getCoalescedEvents?.() ?? [];
      for (const e of coalesced.length > 0 ? coalesced : [event]) {
        const point = hooks.toImage(e);
        hooks.paint(stroke.last, point);
        stroke.last = point;
      }
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.entries()];
      const other = a![0] === event.pointerId ? b![1] : a![1];
      const centred = (p: Point) => fromCentre(p, rect);
      view.value = pinchView(view.value, [centred(previous), centred(other)], [centred(now), centred(other)]);
    } else {
      view.value = panBy(view.value, now.x - previous.x, now.y - previous.y);
    }
    pointers.set(event.pointerId, now);
  }

  function onPointerUp(event: PointerEvent): void {
    pointers.delete(event.pointerId);
    if (stroke?.id !== event.pointerId) return;
    stroke = null;
    hooks.strokeEnd();
  }

  function onWheel(event: WheelEvent): void {
    const rect = viewport.value!.getBoundingClientRect();
    view.value = zoomAt(
      view.value,
      wheelFactor(event.deltaY),
      fromCentre({ x: event.clientX, y: event.clientY }, rect),
    );
  }

  const onPointerLeave = () => (hover.value = null);

  return { hover, onPointerDown, onPointerMove, onPointerUp, onPointerLeave, onWheel };
}
