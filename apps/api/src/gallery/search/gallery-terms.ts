import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedStatement } from '../../database/prepared.js';
import { ftsWords } from './fts-words.js';

export type TermKind = 'checkpoint' | 'sampler' | 'scheduler' | 'lora' | 'tag';

interface TermRow {
  id: number;
  kind: TermKind;
  value: string;
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
  private readonly since;
  private readonly insert;

  constructor(dataSource: DataSource) {
    this.since = preparedStatement<TermRow>(
      dataSource,
      `SELECT "id", "kind", "value" FROM "gallery_terms" WHERE "id" > ? ORDER BY "id"`,
    );
    this.insert = preparedStatement<{ id: number }>(
      dataSource,
      `INSERT INTO "gallery_terms" ("kind", "value") VALUES (?, ?)
       ON CONFLICT ("kind", "value") DO UPDATE SET "value" = excluded."value" RETURNING "id"`,
    );
  }

  /** The id of a value, added to the dictionary when new. */
  idOf(kind: TermKind, value: string): number {
    const known = this.byKey.get(key(kind, value));
    if (known !== undefined) return known;
    const row = this.insert().get(kind, value);
    if (!row) throw new Error(`gallery_terms refused ${kind} ${value}`);
    this.remember({ id: row.id, kind, value });
    return row.id;
  }

  valueOf(id: number): string | null {
    if (!this.byId.has(id)) this.refresh();
    return this.byId.get(id)?.value ?? null;
  }

  /** Ids of a kind whose value is `needle` exactly (case-insensitive) when one is, else those containing it. */
  match(kind: TermKind, needle: string): number[] {
    this.refresh();
    const wanted = needle.toLowerCase();
    const ofKind = [...this.byId.values()].filter((term) => term.kind === kind);
    const exact = ofKind.filter((term) => term.value.toLowerCase() === wanted);
    const chosen =
      exact.length > 0 ? exact : ofKind.filter((term) => term.value.toLowerCase().includes(wanted));
    return chosen.map((term) => term.id);
  }

  /** The id of exactly this value ([] when unknown). */
  exact(kind: TermKind, value: string): number[] {
    const known = this.byKey.get(key(kind, value));
    if (known !== undefined) return [known];
    this.refresh();
    const id = this.byKey.get(key(kind, value));
    return id === undefined ? [] : [id];
  }

  /**
   * Tags whose words contain a search term as FTS5 would match it in a text column: a word (or the
   * words of a phrase, in order; the last one as a prefix for `prefix`). Tags are not in the
   * full-text index (they change in bulk), so plain words find them through here.
   */
  tagsMatching(term: { kind: 'word' | 'prefix' | 'phrase'; value: string }): number[] {
    const wanted = ftsWords(term.value);
    if (wanted.length === 0) return [];
    this.refresh();
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
  suggest(kind: TermKind, prefix: string): TermRow[] {
    this.refresh();
    const wanted = prefix.toLowerCase();
    const ofKind = [...this.byId.values()].filter((term) => term.kind === kind);
    const starts = ofKind.filter((term) => term.value.toLowerCase().startsWith(wanted));
    const contains = ofKind.filter(
      (term) => !term.value.toLowerCase().startsWith(wanted) && term.value.toLowerCase().includes(wanted),
    );
    return [...starts.sort(byValue), ...contains.sort(byValue)];
  }

  /** Reads the rows added since the last read (by anyone). */
  private refresh(): void {
    for (const row of this.since().all(this.loadedUpTo)) this.remember(row);
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
