import type { Role } from '@atelier/contract';
import type { RouteLocationRaw } from 'vue-router';
import type { IconName } from '../base/icons';

export interface NavItem {
  to: RouteLocationRaw;
  label: string;
  icon: IconName;
  /** Lowest role that sees the item. */
  role: Role;
}

export const navItems: readonly NavItem[] = [
  { to: { name: 'generate' }, label: 'Generate', icon: 'sparkles', role: 'user' },
  { to: { name: 'gallery' }, label: 'Gallery', icon: 'images', role: 'user' },
  { to: { name: 'workflows' }, label: 'Workflows', icon: 'workflow', role: 'user' },
  { to: { name: 'queue' }, label: 'Queue', icon: 'layers', role: 'user' },
  { to: { name: 'review' }, label: 'Review', icon: 'check', role: 'curator' },
  { to: { name: 'trash' }, label: 'Trash', icon: 'trash', role: 'user' },
  { to: { name: 'admin' }, label: 'Admin', icon: 'shield', role: 'admin' },
];
