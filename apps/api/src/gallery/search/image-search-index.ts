import { galleryMaxTags, type ImageParams } from '@atelier/contract';
import { emptyGraphParams } from '@atelier/workflow';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { sqliteHandle } from '../../database/prepared.js';
import { facetTokens } from './facet-tokens.js';
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
  lora_ids: string;
  checkpoint_id: number | null;
  sampler_id: number | null;
  created_by: number;
  shuffle: number;
  sha256: string;
  ext: string;
}

function idList(text: string): number[] {
  return text === '' ? [] : text.split(' ').map(Number);
}

/**
 * Writes an image's searchable form: parameter columns, dictionary ids, LoRA and tag links, and its
 * full-text row. Each write is one synchronous SQLite transaction, so a search never sees half an
 * image and no other request interleaves.
 */
@Injectable()
export class ImageSearchIndex {
  private readonly prepared = new WeakMap<
    BetterSqlite3.Database,
    {
      read: BetterSqlite3.Statement<[number], TextRow>;
      remove: BetterSqlite3.Statement<[number]>;
      insert: BetterSqlite3.Statement;
    }
  >();

  constructor(
    private readonly dataSource: DataSource,
    private readonly terms: GalleryTerms,
  ) {}

  /** Records (or replaces) the generation parameters of an image. */
  async setParams(image: IndexedImage, params: ImageParams): Promise<void> {
    const termOf = (kind: 'checkpoint' | 'sampler' | 'scheduler', value: string | null) =>
      value === null ? null : this.terms.idOf(kind, value);
    const termIds = {
      checkpoint: await termOf('checkpoint', params.checkpoint),
      sampler: await termOf('sampler', params.sampler),
      scheduler: await termOf('scheduler', params.scheduler),
    };
    const loras = new Map<number, number>();
    for (const lora of params.loras) {
      const id = await this.terms.idOf('lora', lora.name);
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
        termIds.checkpoint,
        termIds.sampler,
        termIds.scheduler,
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
  async setCuration(imageId: number, curation: Curation): Promise<void> {
    const tagIds = curation.tags && (await this.tagIdsOf(curation.tags));
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
      if (tagIds || curation.note !== undefined || curation.rating !== undefined)
        this.rewriteText(db, imageId);
    })();
  }

  /**
   * Adds or removes tags on many images in one transaction (bulk actions); the ids of the images
   * whose tags changed. Statements are prepared once for the batch: this runs over 100,000 rows.
   */
  async changeTags(ids: readonly number[], tags: readonly string[], add: boolean): Promise<number[]> {
    const tagIds = await this.tagIdsOf(tags);
    const db = this.db();
    const read = db.prepare<[number], { tag_ids: string }>(
      `SELECT "tag_ids" FROM "gallery_images" WHERE "id" = ?`,
    );
    const write = db.prepare(`UPDATE "gallery_images" SET "tag_ids" = ? WHERE "id" = ?`);
    const link = db.prepare(
      `INSERT OR IGNORE INTO "gallery_image_tags" ("term_id", "image_id") VALUES (?, ?)`,
    );
    const unlink = db.prepare(`DELETE FROM "gallery_image_tags" WHERE "term_id" = ? AND "image_id" = ?`);
    const changed: number[] = [];
    db.transaction(() => {
      for (const id of ids) {
        const row = read.get(id);
        if (!row) continue;
        const current = row.tag_ids === '' ? [] : row.tag_ids.split(' ').map(Number);
        const next = add
          ? [...current, ...tagIds.filter((tag) => !current.includes(tag))]
          : current.filter((tag) => !tagIds.includes(tag));
        if (next.length === current.length) continue;
        if (next.length > galleryMaxTags) continue;
        write.run(next.join(' '), id);
        for (const tag of tagIds) (add ? link : unlink).run(tag, id);
        changed.push(id);
      }
    })();
    return changed;
  }

  /** Sets a column (rating or favourite) on many images; each image whose value changed, with its value before. */
  setColumn(
    ids: readonly number[],
    column: 'rating' | 'favorite',
    value: number,
  ): { id: number; before: number }[] {
    const db = this.db();
    const read = db.prepare<[number], { value: number }>(
      `SELECT "${column}" AS "value" FROM "gallery_images" WHERE "id" = ?`,
    );
    const update = db.prepare(`UPDATE "gallery_images" SET "${column}" = ? WHERE "id" = ?`);
    const changed: { id: number; before: number }[] = [];
    db.transaction(() => {
      for (const id of ids) {
        const row = read.get(id);
        if (!row || row.value === value) continue;
        update.run(value, id);
        changed.push({ id, before: row.value });
      }
    })();
    return changed;
  }

  /** The full-text row from the image's current columns (a contentless FTS5 row is replaced, not updated). */
  private rewriteText(db: BetterSqlite3.Database, imageId: number): void {
    const statements = this.textStatements(db);
    const row = statements.read.get(imageId);
    statements.remove.run(imageId);
    if (!row) return;
    const facets = facetTokens({
      checkpointId: row.checkpoint_id,
      samplerId: row.sampler_id,
      loraIds: idList(row.lora_ids),
      ownerId: row.created_by,
      shuffle: row.shuffle,
    });
    statements.insert.run(
      imageId,
      row.p_positive ?? '',
      row.p_negative ?? '',
      row.note ?? '',
      `${row.sha256}.${row.ext}`,
      facets,
    );
  }

  /** Prepared once per handle: bulk actions rewrite the text of 100,000 images in one go. */
  private textStatements(db: BetterSqlite3.Database) {
    let statements = this.prepared.get(db);
    if (!statements) {
      statements = {
        read: db.prepare<[number], TextRow>(
          `SELECT "p_positive", "p_negative", "note", "lora_ids", "checkpoint_id", "sampler_id", "created_by",
             "shuffle", "sha256", "ext" FROM "gallery_images" WHERE "id" = ?`,
        ),
        remove: db.prepare<[number]>(`DELETE FROM "gallery_fts" WHERE "rowid" = ?`),
        insert: db.prepare(
          `INSERT INTO "gallery_fts" ("rowid", "text", "negative", "note", "filename", "facets")
           VALUES (?, ?, ?, ?, ?, ?)`,
        ),
      };
      this.prepared.set(db, statements);
    }
    return statements;
  }

  /** Distinct dictionary ids of the tags, read before a synchronous transaction starts. */
  private async tagIdsOf(tags: readonly string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const tag of tags) ids.push(await this.terms.idOf('tag', tag));
    return [...new Set(ids)];
  }

  private db(): BetterSqlite3.Database {
    return sqliteHandle(this.dataSource);
  }
}

/** Parameters nobody knows: what an upload without metadata has. */
export function unknownParams(): ImageParams {
  return {
    ...emptyGraphParams(),
    template_id: null,
    template_version: null,
    backend: null,
    backend_version: null,
    source: 'none',
  };
}
