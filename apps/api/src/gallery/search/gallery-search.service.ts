import {
  galleryPageDefaultLimit,
  type AuthUser,
  type FacetCount,
  type GalleryComparison,
  type GalleryFacets,
  type GalleryFilters,
  type GallerySearchItem,
  type GallerySearchPage,
  type GallerySimilar,
  type GallerySort,
  type GalleryValueKind,
  type GalleryValues,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { compareParams } from './compare-params.js';
import { GallerySearchEngine } from './gallery-search-engine.js';
import { GalleryTerms } from './gallery-terms.js';
import type { ResolvedSearch } from './search-predicates.js';
import { randomStart, searchCursor, searchTag } from './search-cursor.js';
import { SearchResolver } from './search-resolver.js';
import { toSearchItems } from './search-results.js';
import { distinctiveWords, promptWords } from './similar-words.js';
import type { ResultRow } from './sqlite-search-sql.js';

/** A search request after validation (see GallerySearchQueryDto). */
export interface SearchRequest extends GalleryFilters {
  sort: GallerySort;
  seedOrder: number;
  stacks: boolean;
  stack?: string;
  cursor?: string;
  limit?: number;
}

/** The search field that holds the ids of each dictionary kind of value. */
const termIdsOf = {
  checkpoint: 'checkpointIds',
  lora: 'loraIds',
  sampler: 'samplerIds',
  tag: 'tagIds',
} as const satisfies Record<Exclude<GalleryValueKind, 'owner'>, keyof ResolvedSearch>;

/** The top values per facet. */
const facetTop = 12;

/** Search, facets, comparison and "more like this" over the gallery, as the viewer may see it. */
@Injectable()
export class GallerySearchService {
  constructor(
    private readonly resolver: SearchResolver,
    private readonly engine: GallerySearchEngine,
    private readonly terms: GalleryTerms,
  ) {}

  async search(request: SearchRequest, user: AuthUser): Promise<GallerySearchPage> {
    const search = await this.resolver.resolve(request, user, { stackKey: request.stack });
    // One stack's members are listed flat; so is a search within a stack.
    const stacks = request.stacks && request.stack === undefined;
    const limit = request.limit ?? galleryPageDefaultLimit;
    const cursor = request.cursor === undefined ? null : searchCursor.decode(request.sort, request.cursor);
    const { rows, keyOf } = await this.engine.page(search, {
      sort: request.sort,
      stacks,
      randomStart: randomStart(request.seedOrder),
      after: cursor?.key ?? null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    // Images, not tiles: a stack counts all its matching members (and skipping the stack test keeps
    // it cheap). Counted on the first page; later pages carry that count in their cursor.
    const tag = searchTag(search);
    const { total, exact } =
      cursor?.count.tag === tag ? cursor.count : await this.engine.count(search, false);
    return {
      items: await this.items(page, search, stacks),
      next_cursor:
        rows.length > limit && last
          ? searchCursor.encode(request.sort, keyOf(last), { total, exact, tag })
          : null,
      total_estimate: Math.max(total, page.length),
      total_exact: exact,
    };
  }

  async facets(filters: GalleryFilters, user: AuthUser): Promise<GalleryFacets> {
    const sample = await this.engine.facets(await this.resolver.resolve(filters, user));
    const scale = sample.counted === 0 ? 1 : sample.total / sample.counted;
    const top = (counts: Map<number, number>, name: (id: number) => string | null): FacetCount[] =>
      [...counts.entries()]
        .map(([id, count]) => ({ value: name(id), count: Math.round(count * scale) }))
        .filter((facet): facet is FacetCount => facet.value !== null)
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
        .slice(0, facetTop);
    const values = await this.terms.values([
      ...sample.checkpoints.keys(),
      ...sample.loras.keys(),
      ...sample.samplers.keys(),
      ...sample.tags.keys(),
    ]);
    const term = (id: number) => values.valueOf(id);
    const owners = await this.engine.usernames([...sample.owners.keys()]);
    return {
      checkpoints: top(sample.checkpoints, term),
      loras: top(sample.loras, term),
      samplers: top(sample.samplers, term),
      tags: top(sample.tags, term),
      owners: top(sample.owners, (id) => owners.get(id) ?? null),
      matches: sample.total,
      sampled: sample.total > sample.counted,
    };
  }

  async compare(ids: number[], user: AuthUser): Promise<GalleryComparison> {
    const items = await this.visible(ids, user);
    return compareParams(ids.map((id) => items.get(id)!));
  }

  async similar(id: number, limit: number, user: AuthUser): Promise<GallerySimilar> {
    const source = (await this.visible([id], user)).get(id)!;
    const prompt = promptWords(source.params.positive ?? '');
    const words = distinctiveWords(prompt, await this.engine.documentFrequencies(prompt));
    if (words.length === 0) return { items: [] };
    const search = await this.resolver.resolve(
      source.params.checkpoint === null ? {} : { checkpoint: source.params.checkpoint },
      user,
    );
    const rows = await this.engine.similar(
      { ...search, include: this.engine.anyWordQuery(words) },
      id,
      limit,
    );
    return { items: await toSearchItems(rows, this.terms) };
  }

  /**
   * Autocomplete: dictionary values (or usernames) starting with, then containing, `prefix` that at
   * least one image the user may see carries, so no private image's tags leak through the box.
   */
  async values(
    kind: GalleryValueKind,
    prefix: string,
    limit: number,
    user: AuthUser,
  ): Promise<GalleryValues> {
    const candidates =
      kind === 'owner'
        ? (await this.engine.usernamesLike(prefix, 200)).map((value) => ({ value, id: 0 }))
        : await this.terms.suggest(kind, prefix);
    const visibleToUser = await this.resolver.resolve({}, user);
    const values: string[] = [];
    // Each check is one index probe; bounded so a short prefix cannot make hundreds.
    for (const { value, id } of candidates.slice(0, 100)) {
      if (values.length >= limit) break;
      // A term is probed by its id: a name filter matches case-insensitively, so "SD_X" carried only
      // by a private image would otherwise be offered on the strength of a visible "sd_x".
      const search =
        kind === 'owner'
          ? await this.resolver.resolve({ owner: value }, user)
          : { ...visibleToUser, [termIdsOf[kind]]: [id] };
      if (await this.engine.anyWith(search)) values.push(value);
    }
    return { kind, values };
  }

  /** One image as a search item, with its note; 404 when the user may not see it. */
  async item(id: number, user: AuthUser): Promise<GallerySearchItem & { note: string | null }> {
    const [row] = await this.engine.byIds(await this.resolver.resolve({}, user), [id]);
    if (!row) throw new AppError('gallery.not_found', `There is no image ${id}`);
    const [item] = await toSearchItems([row], this.terms);
    return { ...item!, note: row.note };
  }

  /** The images by id, all of which the user must be able to see (else 404 naming the first missing). */
  private async visible(ids: number[], user: AuthUser): Promise<Map<number, GallerySearchItem>> {
    const search = await this.resolver.resolve({}, user);
    const items = await toSearchItems(await this.engine.byIds(search, ids), this.terms);
    const found = new Map(items.map((item) => [item.id, item]));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw new AppError('gallery.not_found', `There is no image ${missing}`);
    return found;
  }

  private async items(
    rows: ResultRow[],
    search: ResolvedSearch,
    stacks: boolean,
  ): Promise<GallerySearchItem[]> {
    const keys = stacks ? [...new Set(rows.map((row) => row.stack_key).filter((key) => key !== null))] : [];
    const counts = await this.engine.stackCounts(search, keys);
    const items = await toSearchItems(rows, this.terms);
    return rows.map((row, index) => {
      const item = items[index]!;
      const count = row.stack_key === null ? 0 : (counts.get(row.stack_key) ?? 0);
      return count > 1 ? { ...item, stack: { key: row.stack_key!, count } } : item;
    });
  }
}
