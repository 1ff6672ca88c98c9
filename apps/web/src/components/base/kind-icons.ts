import type { ToastKind } from '../../types/ui';
import type { IconName } from './icons';

export const kindIcons = {
  info: 'info',
  success: 'check',
  warning: 'alert',
  error: 'error',
} as const satisfies Record<ToastKind, IconName>;
