import type { ImageParams } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { sqliteHandle } from '../../database/prepared.js';
import { GalleryTerms } from './gallery-terms.js';
import { stackKeyOf } from './stack-key.js';

/** What the index needs of an image besides its parameters. */
export interface IndexedImage {
  id: number;
  createdBy: number;
  hasWorkflow: boolean;
}

/** The curation fields that are searched (tags, note) or filtered (rating, favourite). */
export interface Curation {
  rating?: number;
  favorite?: boolean;
  /** Normalised already. */
  tags?: string[];
  note?: string | null;
}

interface TextRow {
  p_positive: string | null;
  p_negative: string | null;
  note: string | null;
  tag_ids: string;
  sha256: string;
  ext: string;
}

/**
 * Writes an image's searchable form: parameter columns, dictionary ids, LoRA and tag links, and its
 * full-text row. Each write is one synchronous SQLite transaction, so a search never sees half an
 * image and no other request interleaves.
 */
@Injectable()
export class ImageSearchIndex {
  constructor(
    private readonly dataSource: DataSource,
    private readonly terms: GalleryTerms,
  ) {}

  /** Records (or replaces) the generation parameters of an image. */
  setParams(image: IndexedImage, params: ImageParams): void {
    const term = (kind: 'checkpoint' | 'sampler' | 'scheduler', value: string | null) =>
      value === null ? null : this.terms.idOf(kind, value);
    const loras = new Map<number, number>();
    for (const lora of params.loras) {
      const id = this.terms.idOf('lora', lora.name);
      if (!loras.has(id)) loras.set(id, lora.weight);
    }
    const db = this.db();
    db.transaction(() => {
      db.prepare(
        `UPDATE "gallery_images" SET "p_source" = ?, "p_positive" = ?, "p_negative" = ?, "checkpoint_id" = ?,
           "sampler_id" = ?, "scheduler_id" = ?, "p_steps" = ?, "p_cfg" = ?, "p_seed" = ?, "p_denoise" = ?,
           "p_width" = ?, "p_height" = ?, "p_template_id" = ?, "p_template_version" = ?, "p_backend" = ?,
           "p_backend_version" = ?, "loras_json" = ?, "lora_ids" = ?, "has_workflow" = ?, "stack_key" = ?,
           "shuffle" = CASE "shuffle" WHEN 0 THEN (random() & 2147483647) ELSE "shuffle" END
         WHERE "id" = ?`,
      ).run(
        params.source,
        params.positive,
        params.negative,
        term('checkpoint', params.checkpoint),
        term('sampler', params.sampler),
        term('scheduler', params.scheduler),
        params.steps,
        params.cfg,
        params.seed,
        params.denoise,
        params.width,
        params.height,
        params.template_id,
        params.template_version,
        params.backend,
        params.backend_version,
        JSON.stringify(params.loras),
        [...loras.keys()].join(' '),
        image.hasWorkflow ? 1 : 0,
        stackKeyOf(params, image.createdBy),
        image.id,
      );
      db.prepare(`DELETE FROM "gallery_image_loras" WHERE "image_id" = ?`).run(image.id);
      const link = db.prepare(
        `INSERT INTO "gallery_image_loras" ("term_id", "image_id", "weight") VALUES (?, ?, ?)`,
      );
      for (const [id, weight] of loras) link.run(id, image.id, weight);
      this.rewriteText(db, image.id);
    })();
  }

  /** Rating, favourite, tags and note. */
  setCuration(imageId: number, curation: Curation): void {
    const tagIds = curation.tags && [...new Set(curation.tags.map((tag) => this.terms.idOf('tag', tag)))];
    const changes: [string, unknown][] = [];
    if (curation.rating !== undefined) changes.push(['rating', curation.rating]);
    if (curation.favorite !== undefined) changes.push(['favorite', curation.favorite ? 1 : 0]);
    if (curation.note !== undefined) changes.push(['note', curation.note]);
    if (tagIds) changes.push(['tag_ids', tagIds.join(' ')]);
    const db = this.db();
    db.transaction(() => {
      if (changes.length > 0) {
        const sets = changes.map(([column]) => `"${column}" = ?`).join(', ');
        db.prepare(`UPDATE "gallery_images" SET ${sets} WHERE "id" = ?`).run(
          ...changes.map(([, value]) => value),
          imageId,
        );
      }
      if (tagIds) {
        db.prepare(`DELETE FROM "gallery_image_tags" WHERE "image_id" = ?`).run(imageId);
        const link = db.prepare(`INSERT INTO "gallery_image_tags" ("term_id", "image_id") VALUES (?, ?)`);
        for (const id of tagIds) link.run(id, imageId);
      }
      if (tagIds || curation.note !== undefined) this.rewriteText(db, imageId);
    })();
  }

  /** The full-text row from the image's current columns (a contentless FTS5 row is replaced, not updated). */
  private rewriteText(db: BetterSqlite3.Database, imageId: number): void {
    const row = db
      .prepare<[number], TextRow>(
        `SELECT "p_positive", "p_negative", "note", "tag_ids", "sha256", "ext" FROM "gallery_images" WHERE "id" = ?`,
      )
      .get(imageId);
    db.prepare(`DELETE FROM "gallery_fts" WHERE "rowid" = ?`).run(imageId);
    if (!row) return;
    const tags = row.tag_ids
      .split(' ')
      .filter(Boolean)
      .map((id) => this.terms.valueOf(Number(id)) ?? '')
      .join(' ');
    db.prepare(
      `INSERT INTO "gallery_fts" ("rowid", "text", "negative", "tags", "note", "filename") VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      imageId,
      row.p_positive ?? '',
      row.p_negative ?? '',
      tags,
      row.note ?? '',
      `${row.sha256}.${row.ext}`,
    );
  }

  private db(): BetterSqlite3.Database {
    return sqliteHandle(this.dataSource);
  }
}

/** Parameters nobody knows: what an upload without metadata has. */
export function unknownParams(): ImageParams {
  return {
    positive: null,
    negative: null,
    checkpoint: null,
    loras: [],
    sampler: null,
    scheduler: null,
    steps: null,
    cfg: null,
    seed: null,
    denoise: null,
    width: null,
    height: null,
    template_id: null,
    template_version: null,
    backend: null,
    backend_version: null,
    source: 'none',
  };
}
