/**
 * The keys of the gallery query syntax: their names and aliases, the filter each sets, a hint and
 * an example for the search box, and how each value is checked and written back.
 */
import { galleryAspects, galleryStatusFilters } from './gallery-search.js';
import type { GalleryFilterName, GalleryQueryFilters } from './gallery-query-types.js';
import { parseQueryInstant } from './gallery-query-dates.js';

/** One key of the syntax, as listed by the search box's syntax hints. */
export interface GalleryQueryKey {
  /** The name `formatGalleryQuery` writes and hints show. */
  key: string;
  /** Other names accepted for the same key (keys are case-insensitive). */
  aliases: readonly string[];
  /** The GalleryFilters field it sets; null for `neg:`, which makes text terms instead. */
  filter: GalleryFilterName | null;
  /** One line for the syntax hints. */
  hint: string;
  example: string;
}

/** Every key, in the order hints show them and `formatGalleryQuery` writes the filters. */
export const galleryQueryKeys: readonly GalleryQueryKey[] = [
  {
    key: 'model',
    aliases: ['checkpoint', 'ckpt'],
    filter: 'checkpoint',
    hint: 'the checkpoint (model file)',
    example: 'model:sdxl',
  },
  {
    key: 'lora',
    aliases: [],
    filter: 'lora',
    hint: 'a LoRA that was applied (one per search)',
    example: 'lora:detail',
  },
  { key: 'sampler', aliases: [], filter: 'sampler', hint: 'the sampler', example: 'sampler:euler' },
  { key: 'seed', aliases: [], filter: 'seed', hint: 'the exact seed', example: 'seed:42' },
  { key: 'tag', aliases: [], filter: 'tag', hint: 'a tag (one per search)', example: 'tag:client-a' },
  {
    key: 'owner',
    aliases: ['user', 'by'],
    filter: 'owner',
    hint: 'who made it (username)',
    example: 'owner:alice',
  },
  {
    key: 'from',
    aliases: ['after'],
    filter: 'from',
    hint: 'on or after a date (YYYY-MM-DD) or an ISO 8601 time',
    example: 'from:2026-01-31',
  },
  {
    key: 'to',
    aliases: ['before'],
    filter: 'to',
    hint: 'on or before a date (the whole day) or an ISO 8601 time',
    example: 'to:2026-12-31',
  },
  {
    key: 'rating',
    aliases: ['stars'],
    filter: 'min_rating',
    hint: 'at least N stars, 0 to 5',
    example: 'rating>=4',
  },
  { key: 'board', aliases: [], filter: 'board', hint: 'on a board (its number)', example: 'board:12' },
  {
    key: 'status',
    aliases: [],
    filter: 'status',
    hint: 'review status: private, pending, approved or rejected; status:trashed lists the trash',
    example: 'status:approved',
  },
  {
    key: 'size',
    aliases: [],
    filter: 'size',
    hint: 'the generated size, WIDTHxHEIGHT',
    example: 'size:1024x1024',
  },
  {
    key: 'aspect',
    aliases: [],
    filter: 'aspect',
    hint: 'square, portrait or landscape',
    example: 'aspect:portrait',
  },
  {
    key: 'has',
    aliases: [],
    filter: 'has_workflow',
    hint: 'has:workflow: with a workflow; -has:workflow: without',
    example: 'has:workflow',
  },
  {
    key: 'neg',
    aliases: [],
    filter: null,
    hint: 'search the negative prompt for a word or "a phrase"',
    example: 'neg:blurry',
  },
];

const keysByName = new Map<string, GalleryQueryKey>(
  galleryQueryKeys.flatMap((k) => [k.key, ...k.aliases].map((name) => [name, k] as const)),
);

/** The key a name (any case, alias or not) stands for, or undefined. */
export function queryKeyNamed(name: string): GalleryQueryKey | undefined {
  return keysByName.get(name.toLowerCase());
}

/** Every name and alias, canonical names first: what the search box suggests for `mo|`. */
export const galleryQueryKeyNames: readonly string[] = [
  ...galleryQueryKeys.map((k) => k.key),
  ...galleryQueryKeys.flatMap((k) => k.aliases),
];

/** The operators a key accepts after its name: `:` for all, `>=` also for ratings. */
export function queryKeyOperators(key: GalleryQueryKey): readonly string[] {
  return key.filter === 'min_rating' ? [':', '>=', ':>='] : [':'];
}

type Checked = { ok: true; value: unknown } | { ok: false; message: string };

const ok = (value: unknown): Checked => ({ ok: true, value });
const fail = (message: string): Checked => ({ ok: false, message });

/** A run of 1–16 ASCII digits as a safe integer within [min, max], else null. */
function integerIn(text: string, min: number, max: number): number | null {
  if (!/^[0-9]{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/**
 * Checks one filter's value as typed (trimmed, never empty) and turns it into the GalleryFilters
 * value, or says why not in words the search box can show.
 */
export function checkFilterValue(filter: GalleryFilterName, text: string): Checked {
  switch (filter) {
    case 'seed': {
      const n = integerIn(text, 0, Number.MAX_SAFE_INTEGER);
      return n === null ? fail(`seed: takes a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`) : ok(n);
    }
    case 'min_rating': {
      const n = integerIn(text, 0, 5);
      return n === null ? fail('rating: takes a whole number of stars from 0 to 5') : ok(n);
    }
    case 'board': {
      const n = integerIn(text, 1, Number.MAX_SAFE_INTEGER);
      return n === null ? fail('board: takes a board number') : ok(n);
    }
    case 'from':
    case 'to': {
      const instant = parseQueryInstant(text, filter);
      return instant === null
        ? fail(`${filter}: takes a date (YYYY-MM-DD) or an ISO 8601 time (2026-01-31T18:00Z)`)
        : ok(instant.text);
    }
    case 'status': {
      const status = galleryStatusFilters.find((s) => s === text.toLowerCase());
      return status ? ok(status) : fail(`status: is one of ${galleryStatusFilters.join(', ')}`);
    }
    case 'aspect': {
      const aspect = galleryAspects.find((a) => a === text.toLowerCase());
      return aspect ? ok(aspect) : fail(`aspect: is one of ${galleryAspects.join(', ')}`);
    }
    case 'size': {
      const match = /^([0-9]{1,5})[x×]([0-9]{1,5})$/i.exec(text);
      const width = match ? integerIn(match[1] ?? '', 1, 65535) : null;
      const height = match ? integerIn(match[2] ?? '', 1, 65535) : null;
      return width === null || height === null
        ? fail('size: takes WIDTHxHEIGHT, e.g. size:1024x1024')
        : ok(`${width}x${height}`);
    }
    case 'has_workflow':
      return text.toLowerCase() === 'workflow' ? ok(true) : fail('has: knows only has:workflow');
    case 'owner':
      // `by:@alice` reads naturally; usernames never start with `@`.
      return text.startsWith('@') && text.length > 1 ? ok(text.slice(1)) : ok(text);
    case 'tag':
      // Tags are stored normalised (lower case, inner spaces as `-`): `tag:"Client A"` finds client-a.
      return ok(text.toLowerCase().split(' ').join('-'));
    case 'checkpoint':
    case 'lora':
    case 'sampler':
      return ok(text);
  }
}

const quoteChars = new Set(['"', '\u201C', '\u201D', '\u201E']);

/** Whether a character opens or closes a quoted phrase or value (straight or curly). */
export function isQuoteChar(ch: string): boolean {
  return quoteChars.has(ch);
}

/**
 * A value written so it reads back as itself: bare when it can be, else in straight quotes.
 * Quote characters cannot be written inside a value (there is no escape), so they are dropped.
 */
export function formatGalleryQueryValue(value: string): string {
  let clean = '';
  for (const ch of value) if (!isQuoteChar(ch)) clean += ch;
  const bare = clean !== '' && !/[\s:<>=]/.test(clean[0] ?? '') && !/\s/.test(clean);
  return bare ? clean : `"${clean}"`;
}

/** One filter as `formatGalleryQuery` writes it, e.g. `model:sdxl`, `rating>=4`, `-has:workflow`. */
export function formatFilter(
  filter: GalleryFilterName,
  value: GalleryQueryFilters[GalleryFilterName],
): string {
  if (filter === 'has_workflow') return value ? 'has:workflow' : '-has:workflow';
  if (filter === 'min_rating') return `rating>=${String(value)}`;
  const key = galleryQueryKeys.find((k) => k.filter === filter)?.key ?? filter;
  return `${key}:${formatGalleryQueryValue(String(value))}`;
}
