import { computed, ref } from 'vue';
import { identityView, panBy, transformOf, wheelFactor, zoomAt, type ZoomView } from '../domain/zoom-view';

/**
 * One zoom and pan for several panes: every pane binds the same handlers and the same transform,
 * so zooming or dragging any of them moves all of them alike.
 */
export function useSyncedZoom() {
  const view = ref<ZoomView>(identityView);
  const transform = computed(() => transformOf(view.value));
  let drag: { id: number; x: number; y: number } | null = null;

  function onWheel(event: WheelEvent): void {
    event.preventDefault();
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const point = {
      x: event.clientX - box.left - box.width / 2,
      y: event.clientY - box.top - box.height / 2,
    };
    view.value = zoomAt(view.value, wheelFactor(event.deltaY), point);
  }

  function onPointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
    (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
  }

  function onPointerMove(event: PointerEvent): void {
    if (!drag || drag.id !== event.pointerId) return;
    view.value = panBy(view.value, event.clientX - drag.x, event.clientY - drag.y);
    drag = { ...drag, x: event.clientX, y: event.clientY };
  }

  function onPointerUp(event: PointerEvent): void {
    if (drag?.id === event.pointerId) drag = null;
  }

  /** Keyboard and button zoom, about the centre. */
  function zoomBy(factor: number): void {
    view.value = zoomAt(view.value, factor, { x: 0, y: 0 });
  }

  function reset(): void {
    view.value = identityView;
  }

  const handlers = {
    wheel: onWheel,
    pointerdown: onPointerDown,
    pointermove: onPointerMove,
    pointerup: onPointerUp,
    pointercancel: onPointerUp,
  };
  return { view, transform, handlers, zoomBy, reset };
}
