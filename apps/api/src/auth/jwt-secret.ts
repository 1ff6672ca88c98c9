import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';

/** Injection token of the HS256 signing secret (a string). */
export const JWT_SECRET = Symbol('JWT_SECRET');

export const jwtSecretFileName = 'jwt-secret';

/**
 * ATELIER_JWT_SECRET when set; otherwise a random secret generated on the first start and kept in
 * `<data dir>/jwt-secret` (mode 0600), so tokens survive restarts. Never a built-in default.
 */
export async function resolveJwtSecret(config: AppConfig): Promise<string> {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  const path = join(config.dataDir, jwtSecretFileName);
  await mkdir(config.dataDir, { recursive: true });
  try {
    // 'wx' fails when the file exists, so two processes starting together cannot both write one.
    await writeFile(path, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    new Logger('Auth').log(`Generated a JWT secret in ${path}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < 32) {
    throw new Error(`${path} holds a JWT secret shorter than 32 characters: delete it to generate a new one`);
  }
  return secret;
}
