/**
 * The /view bench signs in as a plain user who owns bench.png: the path that pays for ownership (one
 * primary-key probe of comfy_image_owners); curators and admins skip it.
 */
import type { INestApplication } from '@nestjs/common';
import { ImageAccess } from '#api/comfy/image-access.js';
import { UsersService } from '#api/users/users.service.js';

export const benchImage = { filename: 'bench.png', subfolder: '', type: 'output' } as const;

/** Creates the viewer, grants it the bench image and returns its access cookie. */
export async function viewerCookie(app: INestApplication, api: string, password: string): Promise<string> {
  const username = 'bench-viewer';
  const user = await app.get(UsersService).create({ username, password, role: 'user' });
  await app.get(ImageAccess).grant(user.id, [benchImage]);
  const login = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`bench viewer login: ${login.status}`);
  const cookie = login.headers.getSetCookie().find((c) => /^(__Host-)?atelier_access=/.test(c)) ?? '';
  return cookie.split(';')[0] ?? '';
}
