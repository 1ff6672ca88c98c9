import type { AuthUser } from '@atelier/contract';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackgroundJobs } from '../background/background-jobs.js';
import { AppError } from '../common/app-error.js';
import { isCode } from '../gallery/image-files.js';
import { ImageStore, type StoreKey } from '../gallery/image-store.js';
import { describeAxes } from './sweep-axes.js';
import { SweepSheetRenderer } from './sweep-sheet-render.js';
import { SweepsRepository, type SweepCellRow } from './sweeps.repository.js';
import { SweepsService } from './sweeps.service.js';

/** One job per state of a sweep's Z page: the sheet rendered into the shared store. */
export const sweepSheetQueue = 'sweep.sheet';

export interface SweepSheetJob {
  sweepId: string;
  z: number;
}

/** A request waits this long for the job's sheet before drawing it itself (a download link cannot follow a 202). */
export const sheetWaitMs = 10_000;
const pollMs = 50;
/** Bumped when the drawing changes, so sheets cached by an older renderer are drawn again. */
const renderVersion = 1;

/** One Z page as it is now: its cells, where its sheet is kept and the ETag of that state. */
export interface SheetPage {
  sweep: { id: string; request: Parameters<SweepSheetRenderer['render']>[0]['request'] };
  z: number;
  cells: SweepCellRow[];
  key: StoreKey;
  etag: string;
}

/**
 * GET /api/comfy/sweeps/:id/contact-sheet.png: one Z page of a sweep as one labelled PNG, drawn once per
 * state of the page by a `sweep.sheet` background job into the ImageStore (the shared `generated/`
 * folder, so every replica serves a sheet any of them drew). The key hashes the page's cells (status and
 * image), so a cell that finishes makes a new sheet and the old one is removed.
 */
@Injectable()
export class SweepSheets implements OnModuleInit {
  private readonly logger = new Logger(SweepSheets.name);

  constructor(
    private readonly sweeps: SweepsService,
    private readonly repository: SweepsRepository,
    private readonly renderer: SweepSheetRenderer,
    private readonly store: ImageStore,
    private readonly jobs: BackgroundJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.define<SweepSheetJob>(sweepSheetQueue, (data) => this.make(data.sweepId, data.z), {
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 2_000 },
    });
  }

  /** The page the user may see, with its ETag; nothing is drawn yet (a 304 needs no sheet). */
  async page(user: AuthUser, id: string, z: number): Promise<SheetPage> {
    const sweep = await this.sweeps.visible(user, id);
    const { shape } = describeAxes(sweep.request.axes);
    if (z >= shape[2]) {
      throw new AppError('validation_failed', `This sweep has ${shape[2]} Z page(s)`, {
        z: [`must be below ${shape[2]}`],
      });
    }
    return this.pageOf(sweep, z);
  }

  /**
   * The page's sheet: the stored one, else the job's (queued once per state, waited for up to
   * sheetWaitMs), else — the queue is slow or down — drawn here and stored for the next request.
   */
  async png(page: SheetPage): Promise<Buffer> {
    const stored = await this.read(page.key);
    if (stored) return stored;
    try {
      await this.jobs.add<SweepSheetJob>(
        sweepSheetQueue,
        { sweepId: page.sweep.id, z: page.z },
        { jobId: `sweep-sheet-${page.sweep.id}-${page.z}-${page.etag.slice(1, 17)}` },
      );
      for (const deadline = Date.now() + sheetWaitMs; Date.now() < deadline;) {
        await sleep(pollMs);
        const made = await this.read(page.key);
        if (made) return made;
      }
      this.logger.warn(
        { sweepId: page.sweep.id, z: page.z },
        'The sheet job is late: drawing it in the request',
      );
    } catch (error) {
      this.logger.warn(
        { err: error, sweepId: page.sweep.id },
        'Could not queue the sheet: drawing it in the request',
      );
    }
    return this.draw(page);
  }

  /** The job: draws the page as it is now, unless its sheet is stored already (idempotent). */
  private async make(sweepId: string, z: number): Promise<void> {
    const sweep = await this.repository.find(sweepId);
    if (!sweep) return;
    const page = await this.pageOf(sweep, z);
    if (await this.store.exists(page.key)) return;
    await this.draw(page);
  }

  private async draw(page: SheetPage): Promise<Buffer> {
    const png = await this.renderer.render(page.sweep, page.z, page.cells);
    await this.store.write(page.key, png);
    await this.removeOlder(page);
    return png;
  }

  /** Sheets of earlier states of the page: nothing asks for them again (their ETag is stale). */
  private async removeOlder(page: SheetPage): Promise<void> {
    const stale: StoreKey[] = [];
    for await (const path of this.store.list('thumbnails', sheetFolder(page.sweep.id))) {
      if (path.startsWith(`${sheetFolder(page.sweep.id)}/z${page.z}-`) && path !== page.key.path) {
        stale.push({ area: 'thumbnails', path });
      }
    }
    await this.store.remove(stale);
  }

  private async pageOf(sweep: SheetPage['sweep'], z: number): Promise<SheetPage> {
    const cells = (await this.repository.cells(sweep.id)).filter((cell) => cell.z === z);
    const state = cells.map((cell) => [cell.x, cell.y, cell.status, cell.images[0] ?? null]);
    const hash = createHash('sha256')
      .update(JSON.stringify([renderVersion, sweep.id, z, state]))
      .digest('hex')
      .slice(0, 32);
    return {
      sweep,
      z,
      cells,
      // Beside the thumbnails: the shared folder every replica mounts (ThumbnailBackfill skips this folder).
      key: { area: 'thumbnails', path: `${sheetFolder(sweep.id)}/z${z}-${hash}.png` },
      etag: `"${hash}"`,
    };
  }

  private async read(key: StoreKey): Promise<Buffer | null> {
    try {
      return await this.store.read(key);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw error;
    }
  }
}

/** The folder of one sweep's sheets in the thumbnail area. */
export function sheetFolder(sweepId: string): string {
  return `${sweepSheetsFolder}/${sweepId}`;
}
export const sweepSheetsFolder = 'sweep-sheets';
