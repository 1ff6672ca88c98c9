import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/**
 * Argon2id with the library defaults (19 MiB, 2 passes: the OWASP baseline). `verifyOrWaste`
 * checks against a dummy hash when there is no real one, so a login takes the same time
 * whether or not the user exists.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: string | undefined;

  async onModuleInit(): Promise<void> {
    this.dummyHash = await hash(randomBytes(16).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return hash(password);
  }

  /** True only when a real hash was given and it matches. */
  async verifyOrWaste(passwordHash: string | null, password: string): Promise<boolean> {
    const target = passwordHash ?? this.dummyHash ?? (this.dummyHash = await hash('atelier-dummy-password'));
    try {
      const matches = await verify(target, password);
      return passwordHash !== null && matches;
    } catch {
      // A corrupt stored hash must fail the login, not the request.
      return false;
    }
  }
}
