import { roles, type Role } from '@atelier/contract';

const roleLabels: Record<Role, string> = { user: 'User', curator: 'Curator', admin: 'Admin' };

export const roleOptions = roles.map((role) => ({ value: role, label: roleLabels[role] }));
