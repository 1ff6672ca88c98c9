import { Injectable } from '@nestjs/common';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config.js';
import { fileInside } from './input-dir.js';
import type { InputFile } from './uploads.repository.js';

/**
 * Our own copy of every uploaded input (`generated/comfy-inputs/<subfolder>/<name>`): an upload goes to the
 * default backend, but a job using it may be dispatched to another, which then needs the bytes. Names are
 * content-addressed (`atelier-<sha256 prefix>.<ext>`), so a copy is written once and never changes.
 */
@Injectable()
export class InputCopies {
  private readonly root: string;

  constructor(config: AppConfig) {
    this.root = join(config.rootDir, 'generated', 'comfy-inputs');
  }

  async save(file: InputFile, bytes: Buffer): Promise<void> {
    const path = this.pathOf(file);
    await mkdir(join(path, '..'), { recursive: true });
    // Written aside then renamed: a reader never sees half a file.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, path);
  }

  /** The bytes, or null when there is no copy (an upload from before copies were kept). */
  async read(file: InputFile): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private pathOf(file: InputFile): string {
    const path = fileInside(this.root, file.subfolder, file.name);
    if (!path) throw new Error(`Not a file name of ours: ${file.subfolder}/${file.name}`);
    return path;
  }
}
