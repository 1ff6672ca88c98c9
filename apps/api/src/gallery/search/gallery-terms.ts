import { Inject, Injectable } from '@nestjs/common';
import { Sql, type SqlExecutor } from '../../database/sql.js';
import { ftsWords } from './fts-words.js';

export type TermKind = 'checkpoint' | 'sampler' | 'scheduler' | 'lora' | 'tag';

interface TermRow {
  id: number;
  kind: TermKind;
  value: string;
}

/** Values looked up synchronously, once GalleryTerms.values has brought them into memory. */
export interface TermValues {
  valueOf(id: number): string | null;
}

/**
 * The dictionary of values filters and facets work on (checkpoints, samplers, schedulers, LoRAs,
 * tags): a few thousand rows at most, so all of it lives in memory. Ids are never reused or
 * renamed, so a cached id → value stays true; a value missing from memory is read again (another
 * process may have added it).
 */
@Injectable()
export class GalleryTerms {
  private readonly byId = new Map<number, TermRow>();
  private readonly byKey = new Map<string, number>();
  private loadedUpTo = 0;
  private readonly lookup: TermValues = { valueOf: (id) => this.byId.get(id)?.value ?? null };

  /** The app's Sql, or any executor (a migration passes its QueryRunner's: queryRunnerSql). */
  constructor(@Inject(Sql) private readonly sql: SqlExecutor) {}

  /** The id of a value, added to the dictionary when new. */
  async idOf(kind: TermKind, value: string): Promise<number> {
    const known = this.byKey.get(key(kind, value));
    if (known !== undefined) return known;
    const row = await this.sql.get<{ id: number | string }>(
      `INSERT INTO "gallery_terms" ("kind", "value") VALUES (?, ?)
       ON CONFLICT ("kind", "value") DO UPDATE SET "value" = excluded."value" RETURNING "id"`,
      [kind, value],
    );
    if (!row) throw new Error(`gallery_terms refused ${kind} ${value}`);
    const id = Number(row.id);
    this.remember({ id, kind, value });
    return id;
  }

  async valueOf(id: number): Promise<string | null> {
    if (!this.byId.has(id)) await this.refresh();
    return this.byId.get(id)?.value ?? null;
  }

  /**
   * The values of `ids` brought into memory (one read when any is new), then looked up without
   * awaiting: for mapping the rows of a page.
   */
  async values(ids: Iterable<number>): Promise<TermValues> {
    for (const id of ids) {
      if (!this.byId.has(id)) {
        await this.refresh();
        break;
      }
    }
    return this.lookup;
  }

  /** What is in memory now, looked up without reading (a miss may be a value added since: see values). */
  cached(): TermValues {
    return this.lookup;
  }

  /** Ids of a kind whose value is `needle` exactly (case-insensitive) when one is, else those containing it. */
  async match(kind: TermKind, needle: string): Promise<number[]> {
    await this.refresh();
    const wanted = needle.toLowerCase();
    const ofKind = [...this.byId.values()].filter((term) => term.kind === kind);
    const exact = ofKind.filter((term) => term.value.toLowerCase() === wanted);
    const chosen =
      exact.length > 0 ? exact : ofKind.filter((term) => term.value.toLowerCase().includes(wanted));
    return chosen.map((term) => term.id);
  }

  /** The id of exactly this value ([] when unknown). */
  async exact(kind: TermKind, value: string): Promise<number[]> {
    const known = this.byKey.get(key(kind, value));
    if (known !== undefined) return [known];
    await this.refresh();
    const id = this.byKey.get(key(kind, value));
    return id === undefined ? [] : [id];
  }

  /**
   * Tags whose words contain a search term as FTS5 would match it in a text column: a word (or the
   * words of a phrase, in order; the last one as a prefix for `prefix`). Tags are not in the
   * full-text index (they change in bulk), so plain words find them through here.
   */
  async tagsMatching(term: { kind: 'word' | 'prefix' | 'phrase'; value: string }): Promise<number[]> {
    const wanted = ftsWords(term.value);
    if (wanted.length === 0) return [];
    await this.refresh();
    const found: number[] = [];
    for (const row of this.byId.values()) {
      if (row.kind !== 'tag') continue;
      const words = ftsWords(row.value);
      for (let start = 0; start + wanted.length <= words.length; start++) {
        const matches = wanted.every((word, index) => {
          const candidate = words[start + index]!;
          const last = index === wanted.length - 1;
          return last && term.kind === 'prefix' ? candidate.startsWith(word) : candidate === word;
        });
        if (matches) {
          found.push(row.id);
          break;
        }
      }
    }
    return found;
  }

  /** Values of a kind starting with (then containing) `prefix`, for autocomplete; ids with them. */
  async suggest(kind: TermKind, prefix: string): Promise<TermRow[]> {
    await this.refresh();
    const wanted = prefix.toLowerCase();
    const ofKind = [...this.byId.values()].filter((term) => term.kind === kind);
    const starts = ofKind.filter((term) => term.value.toLowerCase().startsWith(wanted));
    const contains = ofKind.filter(
      (term) => !term.value.toLowerCase().startsWith(wanted) && term.value.toLowerCase().includes(wanted),
    );
    return [...starts.sort(byValue), ...contains.sort(byValue)];
  }

  /** Reads the rows added since the last read (by anyone). */
  private async refresh(): Promise<void> {
    const rows = await this.sql.all<{ id: number | string; kind: TermKind; value: string }>(
      `SELECT "id", "kind", "value" FROM "gallery_terms" WHERE "id" > ? ORDER BY "id"`,
      [this.loadedUpTo],
    );
    // pg answers a bigint id as text.
    for (const row of rows) this.remember({ id: Number(row.id), kind: row.kind, value: row.value });
  }

  private remember(row: TermRow): void {
    this.byId.set(row.id, row);
    this.byKey.set(key(row.kind, row.value), row.id);
    // Rows are read in id order, but one inserted here may run ahead of rows another process added.
    if (row.id === this.loadedUpTo + 1) this.loadedUpTo = row.id;
    while (this.byId.has(this.loadedUpTo + 1)) this.loadedUpTo += 1;
  }
}

function key(kind: TermKind, value: string): string {
  return `${kind}\u0000${value}`;
}

function byValue(a: TermRow, b: TermRow): number {
  return a.value.localeCompare(b.value);
}
