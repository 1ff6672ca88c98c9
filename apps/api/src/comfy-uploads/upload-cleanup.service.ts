import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { unlink } from 'node:fs/promises';
import { AppConfig } from '../config/app-config.js';
import { jobEndEvents, type AppEventMap } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { comfyInputDir, fileInside } from './input-dir.js';
import type { JobInputEntity } from './job-input.entity.js';
import { JobInputsRepository } from './job-inputs.repository.js';
import type { ComfyUploadEntity } from './upload.entity.js';
import { loadImageValue, parseLoadImageValue, uploadNamePattern } from './upload-views.js';
import { UploadsRepository, type InputFile } from './uploads.repository.js';

/**
 * Links uploads to the job that uses them (and records every upload a job read, with its hash, for
 * lineage: see job-inputs.ts) and deletes ephemeral ones when that job finishes, at shutdown,
 * and (left over from a crash) at boot.
 *
 * ComfyUI has no route to delete an input file. When its input folder is known (COMFY_INPUT_DIR, or managed
 * mode) the file is unlinked there; otherwise the upload is only marked deleted — it can no longer be named
 * in txt2img — and the log says that ComfyUI keeps the file. A file another live upload record still uses
 * (the same bytes uploaded again) is left in place.
 */
@Injectable()
export class UploadCleanupService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UploadCleanupService.name);
  private readonly inputDir: string | null;
  /** Link writes in flight per prompt: a fast job may finish before its uploads are linked. */
  private readonly linking = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly detach: (() => void)[] = [];
  private isShuttingDown = false;

  constructor(
    config: AppConfig,
    private readonly uploads: UploadsRepository,
    private readonly bus: EventBus,
    private readonly locks: KeyedLock,
    private readonly jobInputs: JobInputsRepository,
  ) {
    this.inputDir = comfyInputDir(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.detach.push(
      this.bus.subscribe('job.queued', (job) => this.track(this.link(job), job.promptId)),
      ...jobEndEvents.map((name) =>
        this.bus.subscribe(name, ({ promptId }) => this.track(this.jobFinished(promptId), promptId)),
      ),
    );
    // Nothing of this process exists yet: whatever is left is from a run that did not shut down cleanly.
    await this.removeAll('left over from an earlier run');
  }

  async beforeApplicationShutdown(): Promise<void> {
    // A second close() of the app must not touch the database again.
    if (this.isShuttingDown) return;
    this.isShuttingDown = true;
    for (const off of this.detach.splice(0)) off();
    await Promise.allSettled([...this.pending]);
    await this.removeAll('Atelier is shutting down');
  }

  private track(work: Promise<unknown>, promptId?: string): void {
    const settled = work.catch((error: unknown) =>
      this.logger.error({ err: error, promptId }, 'Upload bookkeeping failed'),
    );
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
  }

  private link(job: AppEventMap['job.queued']): Promise<void> {
    const files = inputFilesOf(job.workflow);
    if (files.length === 0) return Promise.resolve();
    const work = this.linkAndRecord(job.promptId, job.ownerId, files).finally(() =>
      this.linking.delete(job.promptId),
    );
    this.linking.set(job.promptId, work);
    return work;
  }

  /** Settles once what ComfyUI's acceptance of this job wrote (links, job inputs) is written. */
  async linked(promptId: string): Promise<void> {
    await this.linking.get(promptId)?.catch(() => undefined);
  }

  private async linkAndRecord(promptId: string, ownerId: number, files: InputFile[]): Promise<void> {
    const own = await this.uploads.findLive(ownerId, files);
    await this.uploads.linkToPrompt(
      own.map((upload) => upload.id),
      promptId,
    );
    // A curator may run anyone's upload: lineage needs the bytes' hash, whoever uploaded them.
    const found =
      own.length >= files.length ? own : [...own, ...(await this.uploads.findLiveOfAnyone(files))];
    await this.jobInputs.record(jobInputsOf(promptId, files, found));
  }

  private async jobFinished(promptId: string): Promise<void> {
    await this.linked(promptId);
    if (this.isShuttingDown) return;
    for (const upload of await this.uploads.findEphemeralOfPrompt(promptId)) {
      await this.remove(upload, `its job ${promptId} finished`);
    }
  }

  /** Never fails the boot or the shutdown: what is left is retried at the next boot. */
  private async removeAll(reason: string): Promise<void> {
    try {
      for (const upload of await this.uploads.findLiveEphemeral()) await this.remove(upload, reason);
    } catch (error) {
      this.logger.error({ err: error, reason }, 'Removing ephemeral uploads failed');
    }
  }

  private remove(upload: ComfyUploadEntity, reason: string): Promise<void> {
    const image = loadImageValue(upload);
    return this.locks.run(image, async () => {
      const path = this.inputDir ? fileInside(this.inputDir, upload.subfolder, upload.name) : null;
      if (await this.uploads.isFileShared(upload)) {
        this.logger.log(
          { upload: upload.id, image, reason },
          'Ephemeral upload released; another upload keeps the file',
        );
      } else if (path) {
        try {
          await unlink(path);
          this.logger.log({ upload: upload.id, image, reason }, 'Ephemeral upload deleted');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            this.logger.error({ err: error, upload: upload.id, image }, 'Cannot delete an ephemeral upload');
            return;
          }
        }
      } else {
        this.logger.warn(
          { upload: upload.id, image, reason },
          'Ephemeral upload marked deleted, but ComfyUI keeps the file: set COMFY_INPUT_DIR to remove it',
        );
      }
      await this.uploads.markDeleted(upload.id, new Date());
    });
  }
}

/** The files of ours a graph reads: string inputs named like our uploads (LoadImage, LoadImageMask, custom loaders). */
export function inputFilesOf(workflow: Record<string, unknown>): InputFile[] {
  const files = new Map<string, InputFile>();
  for (const node of Object.values(workflow)) {
    if (typeof node !== 'object' || node === null) continue;
    const inputs = (node as { inputs?: unknown }).inputs;
    if (typeof inputs !== 'object' || inputs === null) continue;
    for (const value of Object.values(inputs)) {
      if (typeof value !== 'string') continue;
      const file = parseLoadImageValue(value);
      if (uploadNamePattern.test(file.name)) files.set(value, file);
    }
  }
  return [...files.values()];
}

/** One row per file the graph reads, in graph order; the first upload record of a file wins (the owner's come first). */
export function jobInputsOf(
  promptId: string,
  files: readonly InputFile[],
  uploads: readonly ComfyUploadEntity[],
): JobInputEntity[] {
  const rows = new Map<number, JobInputEntity>();
  files.forEach((file, position) => {
    const upload = uploads.find((u) => u.subfolder === file.subfolder && u.name === file.name);
    if (upload && !rows.has(upload.id)) {
      rows.set(upload.id, {
        promptId,
        uploadId: upload.id,
        sha256: upload.sha256,
        kind: upload.kind,
        position,
      });
    }
  });
  return [...rows.values()];
}
