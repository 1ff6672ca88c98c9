import { defineStore } from 'pinia';
import { ref } from 'vue';
import { appConfig } from '../config';
import type { Toast, ToastInput, ToastKind } from '../types/ui';

interface Timer {
  handle: ReturnType<typeof setTimeout> | null;
  startedAt: number;
  remainingMs: number;
}

export const useNotificationsStore = defineStore('notifications', () => {
  const toasts = ref<Toast[]>([]);
  const timers = new Map<number, Timer>();
  let nextId = 1;

  function startTimer(id: number, timer: Timer): void {
    timer.startedAt = Date.now();
    timer.handle = setTimeout(() => dismiss(id), timer.remainingMs);
  }

  function notify(kind: ToastKind, input: ToastInput): number {
    const id = nextId++;
    const timeoutMs = input.timeoutMs ?? appConfig.toastTimeoutMs[kind];
    toasts.value.push({
      id,
      kind,
      title: input.title,
      message: input.message,
      timeoutMs,
      isPaused: false,
      ...(input.action ? { action: input.action } : {}),
    });
    if (timeoutMs > 0) {
      const timer: Timer = { handle: null, startedAt: 0, remainingMs: timeoutMs };
      timers.set(id, timer);
      startTimer(id, timer);
    }
    while (toasts.value.length > appConfig.maxToasts) {
      const oldest = toasts.value[0];
      if (oldest) dismiss(oldest.id);
    }
    return id;
  }

  function dismiss(id: number): void {
    const timer = timers.get(id);
    if (timer?.handle) clearTimeout(timer.handle);
    timers.delete(id);
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }

  /** Stops the countdown while the pointer or focus is on the toast, so it can be read. */
  function pause(id: number): void {
    const timer = timers.get(id);
    const toast = toasts.value.find((t) => t.id === id);
    if (!toast || toast.isPaused) return;
    toast.isPaused = true;
    if (!timer?.handle) return;
    clearTimeout(timer.handle);
    timer.handle = null;
    timer.remainingMs = Math.max(0, timer.remainingMs - (Date.now() - timer.startedAt));
  }

  function resume(id: number): void {
    const timer = timers.get(id);
    const toast = toasts.value.find((t) => t.id === id);
    if (!toast?.isPaused) return;
    toast.isPaused = false;
    if (timer && !timer.handle) startTimer(id, timer);
  }

  function clear(): void {
    for (const toast of [...toasts.value]) dismiss(toast.id);
  }

  return {
    toasts,
    notify,
    info: (input: ToastInput) => notify('info', input),
    success: (input: ToastInput) => notify('success', input),
    warning: (input: ToastInput) => notify('warning', input),
    error: (input: ToastInput) => notify('error', input),
    dismiss,
    pause,
    resume,
    clear,
  };
});
