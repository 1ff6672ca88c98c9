/** Kinds of toast, in rising order of urgency. */
export type ToastKind = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  message?: string;
  /** Auto-dismiss delay in ms; 0 keeps the toast until dismissed. */
  timeoutMs: number;
  isPaused: boolean;
  action?: ToastAction;
}

/** A button on a toast (Undo): clicking it runs `run` and dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface ToastInput {
  title: string;
  message?: string;
  timeoutMs?: number;
  action?: ToastAction;
}

export type ColorScheme = 'light' | 'dark';
