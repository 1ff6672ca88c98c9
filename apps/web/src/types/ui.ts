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
}

export interface ToastInput {
  title: string;
  message?: string;
  timeoutMs?: number;
}

export type ColorScheme = 'light' | 'dark';
