import type { SqlExecutor } from '../../src/database/sql.js';
import { facetTokens } from '../../src/gallery/search/facet-tokens.js';
import { pgSearchDocument } from '../../src/gallery/search/pg-search-document.js';

/**
 * One gallery written alike into a migrated SQLite and a migrated Postgres database, through raw SQL
 * as the image writers store it: the row, its tag and LoRA links, and its text — on SQLite the
 * gallery_fts row ImageSearchIndex writes (with facet tokens), on Postgres `search_tsv`
 * (pgSearchDocument). Deterministic: the same ids, words, ratings and shuffle keys on both.
 */
export interface SeededImage {
  id: number;
  positive: string | null;
  negative: string | null;
  note: string | null;
  owner: number;
  checkpoint: number | null;
  sampler: number | null;
  loras: number[];
  tags: number[];
  rating: number;
  favorite: number;
  status: 'private' | 'pending' | 'approved' | 'rejected';
  trashed: boolean;
  stack: string | null;
  shuffle: number;
  width: number;
  height: number;
  seed: number;
  workflow: boolean;
}

export const users = [
  { id: 1, username: 'Ada', role: 'curator' },
  { id: 2, username: 'bea', role: 'user' },
  { id: 3, username: 'cy_ber', role: 'user' },
  { id: 4, username: 'Cyrus', role: 'user' },
] as const;

/** Dictionary ids: checkpoints 1–3, samplers 4–6, LoRAs 7–8, tags 9–12 (`sunset` is also a prompt word). */
export const terms = [
  { id: 1, kind: 'checkpoint', value: 'sd_xl_base' },
  { id: 2, kind: 'checkpoint', value: 'dreamshaper' },
  { id: 3, kind: 'checkpoint', value: 'flux_dev' },
  { id: 4, kind: 'sampler', value: 'euler' },
  { id: 5, kind: 'sampler', value: 'dpmpp_2m' },
  { id: 6, kind: 'sampler', value: 'ddim' },
  { id: 7, kind: 'lora', value: 'detail' },
  { id: 8, kind: 'lora', value: 'film_grain' },
  { id: 9, kind: 'tag', value: 'sunset' },
  { id: 10, kind: 'tag', value: 'keeper' },
  { id: 11, kind: 'tag', value: 'portfolio' },
  { id: 12, kind: 'tag', value: 'draft' },
] as const;

/** The images the semantics hinge on; the rest are drawn from `words`. */
const fixed: Partial<SeededImage>[] = [
  // "red car" spans two columns here (prompt's last word, note's first): no phrase match on either engine.
  { positive: 'a big shiny red', note: 'car wash at noon', negative: null },
  { positive: 'red car on the coast road', negative: 'blurry, low quality' },
  { positive: 'portrait of a driver', note: 'red car in the background' },
  { positive: 'Café Crème at dawn, Ångström light', negative: 'low resolution, bad quality' },
  { positive: 'client-a logo on a red carpet', negative: null, note: 'for CLIENT-A' },
  { positive: null, negative: 'watermark', note: null },
  { positive: 'castle moat at night, red car', negative: 'blurry' },
  { positive: 'sunset over the castle', negative: 'low quality' },
  // A word longer than a Postgres lexeme may be (3,000 bytes): cut alike in document and query.
  { positive: `${'漢'.repeat(1000)} scroll`, negative: `${'字'.repeat(1000)}` },
];

const words = [
  'castle',
  'moat',
  'night',
  'sunset',
  'red',
  'car',
  'blue',
  'sky',
  'portrait',
  'woman',
  'forest',
  'dragon',
  'neon',
  'city',
  'rain',
  'café',
  'crème',
  'glass',
  'carpet',
  'caravan',
  'the',
  'of',
  'a',
];
const negatives = ['blurry', 'low quality', 'watermark', 'extra fingers', 'bad anatomy'];

/** A small deterministic PRNG (mulberry32): the same gallery on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` images, the fixed ones first, then `fillers` plain ones sharing the word "filler". */
export function seededImages(count: number, fillers: number): SeededImage[] {
  const next = random(16);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const images: SeededImage[] = [];
  for (let id = 1; id <= count + fillers; id++) {
    const filler = id > count;
    const sentence = Array.from({ length: 3 + Math.floor(next() * 5) }, () => pick(words)).join(' ');
    const base: SeededImage = {
      id,
      positive: filler ? `filler scene ${id}` : sentence,
      negative: next() < 0.5 ? pick(negatives) : null,
      note: next() < 0.2 ? `note ${pick(words)} ${pick(words)}` : null,
      owner: 1 + Math.floor(next() * users.length),
      checkpoint: next() < 0.1 ? null : 1 + Math.floor(next() * 3),
      sampler: next() < 0.1 ? null : 4 + Math.floor(next() * 3),
      loras: [7, 8].filter(() => next() < 0.3),
      tags: [9, 10, 11, 12].filter(() => next() < 0.25),
      rating: Math.floor(next() * 6),
      favorite: next() < 0.3 ? 1 : 0,
      status: pick(['approved', 'approved', 'approved', 'pending', 'private', 'rejected'] as const),
      trashed: next() < 0.08,
      stack: next() < 0.3 ? `stack-${Math.floor(next() * 6)}` : null,
      shuffle: Math.floor(next() * 2 ** 31),
      width: pick([512, 768, 1024]),
      height: pick([512, 768, 1024]),
      seed: Math.floor(next() * 5),
      workflow: next() < 0.7,
    };
    images.push({ ...base, ...(id <= fixed.length ? fixed[id - 1] : {}) });
  }
  return images;
}

const sha = (id: number) => id.toString(16).padStart(64, '0');
/** Newest last: created_at follows the id, an hour apart, as ISO text (what ingest writes). */
export const createdAt = (id: number) => new Date(Date.UTC(2026, 0, 1) + id * 3_600_000).toISOString();

/** Writes users, terms and images (in one transaction) on either engine. */
export async function seedGallery(tx: SqlExecutor, images: readonly SeededImage[]): Promise<void> {
  for (const user of users) {
    await tx.run(`INSERT INTO "users" ("id", "username", "password_hash", "role") VALUES (?, ?, 'x', ?)`, [
      user.id,
      user.username,
      user.role,
    ]);
  }
  for (const term of terms) {
    await tx.run(`INSERT INTO "gallery_terms" ("id", "kind", "value") VALUES (?, ?, ?)`, [
      term.id,
      term.kind,
      term.value,
    ]);
  }
  for (const image of images) await insertImage(tx, image);
  // A manual board holding every third image.
  await tx.run(
    `INSERT INTO "boards" ("id", "name", "owner_id", "visibility", "created_at", "updated_at")
     VALUES (1, 'picks', 1, 'team', ?, ?)`,
    [createdAt(0), createdAt(0)],
  );
  for (const image of images.filter((candidate) => candidate.id % 3 === 0)) {
    await tx.run(
      `INSERT INTO "board_images" ("board_id", "image_id", "added_at", "added_by") VALUES (1, ?, ?, 1)`,
      [image.id, createdAt(image.id)],
    );
  }
}

/** One image: its row, links and text, as the image writers store them on either engine. */
export async function insertImage(tx: SqlExecutor, image: SeededImage): Promise<void> {
  const postgres = tx.dialect === 'postgres';
  const filename = `${sha(image.id)}.png`;
  const document = postgres
    ? [pgSearchDocument({ positive: image.positive, negative: image.negative, note: image.note, filename })]
    : [];
  await tx.run(
    `INSERT INTO "gallery_images" ("id", "sha256", "mime", "ext", "bytes", "width", "height", "relative_path",
       "thumbnail_path", "created_by", "created_at", "status", "rating", "favorite", "note", "trashed_at",
       "p_source", "p_positive", "p_negative", "checkpoint_id", "sampler_id", "p_steps", "p_cfg", "p_seed",
       "loras_json", "lora_ids", "tag_ids", "has_workflow", "stack_key", "shuffle"${postgres ? ', "search_tsv"' : ''})
     VALUES (?, ?, 'image/png', 'png', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'params', ?, ?, ?, ?, 20, 6.5, ?,
       '[]', ?, ?, ?, ?, ?${postgres ? ', ?::tsvector' : ''})`,
    [
      image.id,
      sha(image.id),
      1000 + image.id,
      image.width,
      image.height,
      `images/${filename}`,
      `thumbs/${sha(image.id)}.webp`,
      image.owner,
      createdAt(image.id),
      image.status,
      image.rating,
      image.favorite,
      image.note,
      image.trashed ? createdAt(image.id + 1000) : null,
      image.positive,
      image.negative,
      image.checkpoint,
      image.sampler,
      image.seed,
      image.loras.join(' '),
      image.tags.join(' '),
      image.workflow ? 1 : 0,
      image.stack,
      image.shuffle,
      ...document,
    ],
  );
  for (const lora of image.loras) {
    await tx.run(`INSERT INTO "gallery_image_loras" ("term_id", "image_id", "weight") VALUES (?, ?, 0.8)`, [
      lora,
      image.id,
    ]);
  }
  for (const tag of image.tags) {
    await tx.run(`INSERT INTO "gallery_image_tags" ("term_id", "image_id") VALUES (?, ?)`, [tag, image.id]);
  }
  if (!postgres) {
    const facets = facetTokens({
      checkpointId: image.checkpoint,
      samplerId: image.sampler,
      loraIds: image.loras,
      ownerId: image.owner,
      shuffle: image.shuffle,
    });
    await tx.run(
      `INSERT INTO "gallery_fts" ("rowid", "text", "negative", "note", "filename", "facets") VALUES (?, ?, ?, ?, ?, ?)`,
      [image.id, image.positive ?? '', image.negative ?? '', image.note ?? '', filename, facets],
    );
  }
}
