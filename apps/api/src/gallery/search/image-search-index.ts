import type { ImageParams } from '@atelier/contract';
import { emptyGraphParams } from '@atelier/workflow';
import { Inject, Injectable } from '@nestjs/common';
import { Sql, type SqlExecutor } from '../../database/sql.js';
import { GalleryTerms } from './gallery-terms.js';
import { rewriteSearchText } from './search-text.js';
import { changeTagsSetBased, setColumnSetBased } from './set-based-writes.js';
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

/** The dictionary ids of an image's parameters, resolved before its transaction opens (see termsOf). */
export interface ParamTerms {
  checkpoint: number | null;
  sampler: number | null;
  scheduler: number | null;
  /** LoRA id → weight, the first mention of each. */
  loras: Map<number, number>;
}

/**
 * Where the index writes: the app's Sql, or (a migration) its QueryRunner's executor whose
 * `transaction` joins the migration's own.
 */
export type IndexSql = SqlExecutor & Pick<Sql, 'transaction'>;

const setParamsSql = `UPDATE "gallery_images" SET "p_source" = ?, "p_positive" = ?, "p_negative" = ?, "checkpoint_id" = ?,
    "sampler_id" = ?, "scheduler_id" = ?, "p_steps" = ?, "p_cfg" = ?, "p_seed" = ?, "p_denoise" = ?,
    "p_width" = ?, "p_height" = ?, "p_template_id" = ?, "p_template_version" = ?, "p_backend" = ?,
    "p_backend_version" = ?, "loras_json" = ?, "lora_ids" = ?, "has_workflow" = ?, "stack_key" = ?,
    "shuffle" = CASE "shuffle" WHEN 0 THEN ? ELSE "shuffle" END
  WHERE "id" = ?`;
const unlinkLorasSql = `DELETE FROM "gallery_image_loras" WHERE "image_id" = ?`;
const linkLoraSql = `INSERT INTO "gallery_image_loras" ("term_id", "image_id", "weight") VALUES (?, ?, ?)`;
const unlinkTagsSql = `DELETE FROM "gallery_image_tags" WHERE "image_id" = ?`;
const linkTagSql = `INSERT INTO "gallery_image_tags" ("term_id", "image_id") VALUES (?, ?) ON CONFLICT DO NOTHING`;

/**
 * A random `shuffle` key in [1, 2^31): drawn here rather than by the database (SQLite's random() and
 * Postgres's differ), and never 0, which marks "not drawn yet".
 */
function shuffleKey(): number {
  return 1 + Math.floor(Math.random() * 2147483646);
}

/**
 * Writes an image's searchable form: parameter columns, dictionary ids, LoRA and tag links, and its
 * full-text form (search-text.ts). Each write is one transaction, so a search never sees half an
 * image. Dictionary ids are resolved before it opens: the dictionary writes on the outer Sql, which
 * on SQLite waits for an open transaction to end. Statement texts are constant (prepared once on
 * SQLite): bulk actions run them over 100,000 rows.
 */
@Injectable()
export class ImageSearchIndex {
  constructor(
    @Inject(Sql) private readonly sql: IndexSql,
    private readonly terms: GalleryTerms,
  ) {}

  /** Records (or replaces) the generation parameters of an image. */
  async setParams(image: IndexedImage, params: ImageParams): Promise<void> {
    const terms = await this.termsOf(params);
    await this.sql.transaction((tx) => this.writeParams(tx, image, params, terms));
  }

  /** The dictionary ids of `params`, added when new: outside any transaction (see the class comment). */
  async termsOf(params: ImageParams): Promise<ParamTerms> {
    const term = (kind: 'checkpoint' | 'sampler' | 'scheduler', value: string | null) =>
      value === null ? Promise.resolve(null) : this.terms.idOf(kind, value);
    const loras = new Map<number, number>();
    for (const lora of params.loras) {
      const id = await this.terms.idOf('lora', lora.name);
      if (!loras.has(id)) loras.set(id, lora.weight);
    }
    return {
      checkpoint: await term('checkpoint', params.checkpoint),
      sampler: await term('sampler', params.sampler),
      scheduler: await term('scheduler', params.scheduler),
      loras,
    };
  }

  /** setParams inside the caller's transaction (ingest writes the row and its parameters together). */
  async writeParams(
    tx: SqlExecutor,
    image: IndexedImage,
    params: ImageParams,
    terms: ParamTerms,
  ): Promise<void> {
    await tx.run(setParamsSql, [
      params.source,
      params.positive,
      params.negative,
      terms.checkpoint,
      terms.sampler,
      terms.scheduler,
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
      [...terms.loras.keys()].join(' '),
      // An integer column on both engines (a flag the facets scan reads with the others).
      image.hasWorkflow ? 1 : 0,
      stackKeyOf(params, image.createdBy),
      shuffleKey(),
      image.id,
    ]);
    await tx.run(unlinkLorasSql, [image.id]);
    for (const [id, weight] of terms.loras) await tx.run(linkLoraSql, [id, image.id, weight]);
    await rewriteSearchText(tx, image.id);
  }

  /** Rating, favourite, tags and note. */
  async setCuration(imageId: number, curation: Curation): Promise<void> {
    const tagIds = curation.tags && (await this.tagIdsOf(curation.tags));
    const changes: [string, unknown][] = [];
    if (curation.rating !== undefined) changes.push(['rating', curation.rating]);
    if (curation.favorite !== undefined) changes.push(['favorite', curation.favorite ? 1 : 0]);
    if (curation.note !== undefined) changes.push(['note', curation.note]);
    if (tagIds) changes.push(['tag_ids', tagIds.join(' ')]);
    // Postgres's document holds the note but no tags or rating (tags are matched through the dictionary).
    const rewrite =
      curation.note !== undefined ||
      (this.sql.dialect === 'sqlite' && (tagIds !== undefined || curation.rating !== undefined));
    await this.sql.transaction(async (tx) => {
      if (changes.length > 0) {
        const sets = changes.map(([column]) => `"${column}" = ?`).join(', ');
        await tx.run(`UPDATE "gallery_images" SET ${sets} WHERE "id" = ?`, [
          ...changes.map(([, value]) => value),
          imageId,
        ]);
      }
      if (tagIds) {
        await tx.run(unlinkTagsSql, [imageId]);
        for (const id of tagIds) await tx.run(linkTagSql, [id, imageId]);
      }
      if (rewrite) await rewriteSearchText(tx, imageId);
    });
  }

  /**
   * Adds or removes tags on many images in one transaction (bulk actions); the ids of the images
   * whose tags changed. A few statements for the whole batch (set-based-writes.ts).
   */
  async changeTags(ids: readonly number[], tags: readonly string[], add: boolean): Promise<number[]> {
    const tagIds = await this.tagIdsOf(tags);
    return this.sql.transaction((tx) => changeTagsSetBased(tx, ids, tagIds, add));
  }

  /** Sets a column (rating or favourite) on many images; each image whose value changed, with its value before. */
  setColumn(
    ids: readonly number[],
    column: 'rating' | 'favorite',
    value: number,
  ): Promise<{ id: number; before: number }[]> {
    return this.sql.transaction((tx) => setColumnSetBased(tx, ids, column, value));
  }

  /** Distinct dictionary ids of the tags, read before the transaction starts. */
  private async tagIdsOf(tags: readonly string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const tag of tags) ids.push(await this.terms.idOf('tag', tag));
    return [...new Set(ids)];
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
