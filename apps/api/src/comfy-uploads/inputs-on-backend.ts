import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DispatchBackend } from '../comfy/backends/backend-directory.js';
import { BeforePostHooks } from '../comfy/backends/before-post.js';
import { toComfyAppError } from '../comfy/comfy-errors.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import { AppError } from '../common/app-error.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { InputCopies } from './input-copies.js';
import { inputFilesOf } from './upload-cleanup.service.js';
import { loadImageValue } from './upload-views.js';

/**
 * Puts a job's uploaded inputs on the backend it is about to be posted to (a hook the dispatcher runs before
 * each post): an upload went to the default backend only, and LoadImage reads the server's own input folder.
 * What each backend already has is remembered per wiring generation (a new URL or a restart may have lost it);
 * a file is sent at most once per generation, from our copy (InputCopies), with overwrite (same name, same bytes).
 */
@Injectable()
export class InputsOnBackend implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(InputsOnBackend.name);
  /** `<backend id>:<generation>` → the LoadImage values it has. */
  private readonly present = new Map<string, Set<string>>();
  private detach: () => void = () => {};

  constructor(
    private readonly hooks: BeforePostHooks,
    private readonly copies: InputCopies,
    private readonly locks: KeyedLock,
  ) {}

  onModuleInit(): void {
    this.detach = this.hooks.use((job, backend) => this.ensure(job, backend));
  }

  onModuleDestroy(): void {
    this.detach();
  }

  /** The upload went to the default backend's wiring of that moment: it has the file. */
  uploaded(backend: { id: number; generation: number }, value: string): void {
    this.setOf(backend.id, backend.generation).add(value);
  }

  async ensure(job: ComfyJobEntity, backend: DispatchBackend): Promise<void> {
    const files = inputFilesOf(job.workflow);
    if (files.length === 0) return;
    const { wiring } = backend;
    const present = this.setOf(backend.id, wiring.generation);
    for (const file of files) {
      const value = loadImageValue(file);
      if (present.has(value)) continue;
      await this.locks.run(`input:${backend.id}:${value}`, async () => {
        if (present.has(value)) return;
        const bytes = await this.copies.read(file);
        if (!bytes) {
          // Uploaded before copies were kept: only the server it went to has it; ComfyUI will say if it is missing.
          this.logger.warn({ file: value, backendId: backend.id }, 'No local copy of an uploaded input');
          return;
        }
        try {
          await wiring.client.uploadImage(bytes, file.name, {
            ...(file.subfolder ? { subfolder: file.subfolder } : {}),
            type: 'input',
            overwrite: true,
          });
        } catch (error) {
          const mapped = toComfyAppError(error);
          throw mapped instanceof AppError
            ? mapped
            : new AppError('comfy.upstream_error', 'Copying an input failed');
        }
        present.add(value);
      });
    }
  }

  private setOf(backendId: number, generation: number): Set<string> {
    const key = `${backendId}:${generation}`;
    let set = this.present.get(key);
    if (!set) {
      // Only the current generation of a backend matters; older ones are dropped as they are replaced.
      for (const old of this.present.keys()) if (old.startsWith(`${backendId}:`)) this.present.delete(old);
      this.present.set(key, (set = new Set()));
    }
    return set;
  }
}
