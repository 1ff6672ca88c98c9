import { exportMaxImages, type AuthUser, type GallerySelection } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { makeZip } from 'client-zip';
import { AppError } from '../../common/app-error.js';
import { GalleryStorage } from '../gallery-storage.js';
import { SelectionResolver } from '../search/selection.js';
import { BufferPool } from './buffer-pool.js';
import { copyByPlan, exactText, nameOf, OpenFiles, readSize } from './export-files.js';
import {
  manifestChunks,
  manifestSize,
  mapLimited,
  planItem,
  sidecarText,
  type ExportItem,
  type ExportOptions,
} from './export-plan.js';
import { ExportRepository } from './export.repository.js';
import { planLabelledCopy } from './label-plan.js';
import { manifestName, zipLength, type ZipEntrySize } from './zip-entries.js';

/** A ZIP ready to stream: its exact length, and the stream (to be read once). */
export interface PreparedExport {
  length: number;
  filename: string;
  /** How many images it holds. */
  count: number;
  /** Their ids, in the archive's order (the images whose files could be read). */
  imageIds: number[];
  stream: ReadableStream<Uint8Array>;
  /** Call with each chunk once the response has written it: its read buffer is reused. */
  written(chunk: Uint8Array): void;
  /** Closes whatever files the stream still holds open (call when the response ends, however). */
  close(): Promise<void>;
}

/** Headers of a few files at once: enough to overlap the disk's latency, not enough to starve the pool. */
const planConcurrency = 16;

/**
 * ZIP exports (issue 12): the visible images of a selection, each copy labelled as AI-generated
 * (and redacted when asked), their sidecars, and manifest.csv last. Only headers are read before the
 * response starts; the archive is STORED, so its length is known up front.
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger(ExportService.name);

  constructor(
    private readonly selections: SelectionResolver,
    private readonly rows: ExportRepository,
    private readonly storage: GalleryStorage,
  ) {}

  /** `now` dates the file name and manifest.csv: a background build passes its creation time (same bytes). */
  async prepare(
    selection: GallerySelection,
    options: ExportOptions,
    user: AuthUser,
    now = new Date(),
  ): Promise<PreparedExport> {
    const { ids } = await this.selections.select(selection, user, exportMaxImages);
    return this.prepareIds(ids, options, now);
  }

  /** An export of images already checked as visible (a background build of an earlier selection). */
  async prepareIds(ids: readonly number[], options: ExportOptions, now: Date): Promise<PreparedExport> {
    if (ids.length === 0) throw nothingToExport();
    const rows = await this.rows.exportRows(ids);
    if (rows.length === 0) throw nothingToExport();
    const files = new OpenFiles(this.storage.store);
    const planned = await mapLimited(rows, planConcurrency, (row) =>
      planItem(row, this.storage, files, options, this.logger),
    );
    const items = planned.filter((item): item is ExportItem => item !== null);
    const manifest = manifestSize(items, options.redact);
    const sizes: ZipEntrySize[] = items.flatMap((item) => [
      { name: item.name, size: item.plan.size },
      ...(item.sidecar ? [{ name: item.sidecar.name, size: item.sidecar.size }] : []),
    ]);
    sizes.push({ name: manifestName, size: manifest });
    const buffers = new BufferPool(readSize);
    return {
      length: zipLength(sizes),
      filename: `atelier-export-${now.toISOString().slice(0, 19).replace(/[T:]/g, '-')}.zip`,
      count: items.length,
      imageIds: items.map((item) => item.row.id),
      stream: makeZip(this.entries(items, files, buffers, options, manifest, now), { buffersAreUTF8: true }),
      written: (chunk) => buffers.give(chunk),
      close: () => files.closeAll(),
    };
  }

  /** The entries, made one at a time as the writer asks for them: one file open at a time. */
  private async *entries(
    items: readonly ExportItem[],
    files: OpenFiles,
    buffers: BufferPool,
    options: ExportOptions,
    manifest: number,
    now: Date,
  ) {
    for (const item of items) {
      const lastModified = new Date(item.row.createdAt);
      yield {
        name: item.name,
        lastModified,
        size: item.plan.size,
        input: copyByPlan(
          files,
          item.image,
          item.plan,
          (read, size) => planLabelledCopy(read, size, item.row.mime, options.redact),
          buffers,
        ),
      };
      const { sidecar } = item;
      if (sidecar) {
        const text = async () => {
          const exported = await sidecarText(this.storage.store, sidecar.key, options.redact);
          if (exported === null) throw new Error(`${nameOf(sidecar.key)} is no longer JSON`);
          return exported;
        };
        yield { name: sidecar.name, lastModified, size: sidecar.size, input: exactText(text, sidecar.size) };
      }
    }
    yield {
      name: manifestName,
      lastModified: now,
      size: manifest,
      input: manifestChunks(items, options.redact, manifest),
    };
  }
}

function nothingToExport(): AppError {
  return new AppError('validation_failed', 'The selection holds no image you can see: nothing to export', {
    selection: ['names no image you can see'],
  });
}
