/**
 * Synthetic gallery images, a batch at a time: a batch is one job of 1–8 images that share every
 * setting but the seed (seed, seed+1, …), as ComfyUI's batches do, so they share an auto-stack key.
 * Everything comes from one seeded generator: the same seed gives the same images.
 */
import { between, fakeSha256, hex32, seededRandom, zipf } from './gallery-random.js';
import {
  adjectives,
  boosters,
  camera,
  checkpoints,
  freeWords,
  lighting,
  loras,
  negativePhrases,
  notes,
  places,
  sd15Sizes,
  styles,
  subjects,
  tags,
  xlSizes,
} from './gallery-vocabulary.js';

/** Dictionary ids (gallery_terms) of each vocabulary list, index for index. */
export interface TermIds {
  checkpoints: readonly number[];
  samplers: readonly number[];
  schedulers: readonly number[];
  loras: readonly number[];
  tags: readonly number[];
}

export interface SeedImage {
  id: number;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  relativePath: string;
  thumbnailPath: string;
  promptId: string;
  createdBy: number;
  createdAt: string;
  status: 'private' | 'pending' | 'approved' | 'rejected';
  rating: number;
  favorite: number;
  note: string | null;
  positive: string;
  negative: string;
  checkpointId: number;
  samplerId: number;
  schedulerId: number;
  steps: number;
  cfg: number;
  seed: number;
  denoise: number;
  /** The LoRAs' term ids and weights, parallel arrays. */
  loraIds: number[];
  loraWeights: number[];
  lorasJson: string;
  tagIds: number[];
  /** The tag values joined by a space, as the FTS `tags` column holds them. */
  tagText: string;
  stackKey: string;
  shuffle: number;
  /** The stored file's name, `<sha256>.png`, as the app indexes it (the FTS `filename` column). */
  filename: string;
}

export interface ImageMakerOptions {
  seed: number;
  terms: TermIds;
  /** Owner user ids, most active first. */
  userIds: readonly number[];
  /** created_at of the first image (ms since the epoch); later ids are later. */
  startMs: number;
  /**
   * Leave empty the strings only the table rows need (paths, dates, ids, JSON), for the FTS index's
   * builder: the random draws, and so every other value, stay the same.
   */
  textOnly?: boolean;
}

/** Returns `next(firstId)`: the next batch, its images numbered from `firstId`. */
export function imageMaker(options: ImageMakerOptions): (firstId: number) => SeedImage[] {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const wordOf = zipf(freeWords.length, 1.05, random);
  const checkpointOf = zipf(checkpoints.length, 1.1, random);
  const loraOf = zipf(loras.length, 1.0, random);
  const tagOf = zipf(tags.length, 1.0, random);
  const ownerOf = zipf(options.userIds.length, 0.9, random);
  const subjectOf = zipf(subjects.length, 0.8, random);
  const lightingOf = zipf(lighting.length, 0.9, random);
  const styleOf = zipf(styles.length, 0.9, random);
  const { terms, textOnly = false } = options;
  let batch = 0;
  let clockMs = options.startMs;

  const positive = (): string => {
    const parts: string[] = [];
    for (const [word, share] of boosters) if (random() < share) parts.push(word);
    const adjective = random() < 0.7 ? `${pick(adjectives)} ` : '';
    parts.push(`${random() < 0.5 ? 'a ' : ''}${adjective}${subjects[subjectOf()] ?? ''}`);
    if (random() < 0.7) parts.push(pick(places));
    if (random() < 0.6) parts.push(styles[styleOf()] ?? '');
    if (random() < 0.6) parts.push(lighting[lightingOf()] ?? '');
    if (random() < 0.4) parts.push(pick(camera));
    const free = between(random, 2, 12);
    for (let i = 0; i < free; i++) parts.push(freeWords[wordOf()] ?? '');
    return parts.join(', ');
  };

  const negative = (): string => {
    if (random() < 0.25) return '';
    const count = between(random, 1, 8);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(pick(negativePhrases));
    return parts.join(', ');
  };

  return (firstId: number): SeedImage[] => {
    batch += 1;
    const checkpointIndex = checkpointOf();
    const checkpoint = checkpoints[checkpointIndex] ?? { name: '', isXl: true };
    const [width, height] = pick(checkpoint.isXl ? xlSizes : sd15Sizes);
    const loraCount = Math.min(3, Math.floor(random() * random() * 4.5));
    const loraIds: number[] = [];
    const loraWeights: number[] = [];
    const loraEntries: string[] = [];
    while (loraIds.length < loraCount) {
      const index = loraOf();
      const id = terms.loras[index] ?? 0;
      if (loraIds.includes(id)) continue;
      const weight = Math.round((0.3 + random() * 0.9) * 100) / 100;
      loraIds.push(id);
      loraWeights.push(weight);
      if (!textOnly) loraEntries.push(`{"name":"${loras[index] ?? ''}","weight":${weight}}`);
    }
    const tagIds: number[] = [];
    const tagValues: string[] = [];
    if (random() < 0.2) {
      const count = between(random, 1, 3);
      for (let tries = 0; tagIds.length < count && tries < 10; tries++) {
        const index = tagOf();
        const id = terms.tags[index] ?? 0;
        if (tagIds.includes(id)) continue;
        tagIds.push(id);
        tagValues.push(tags[index] ?? '');
      }
    }
    const size = random() < 0.85 ? between(random, 2, 8) : 1;
    const owner = options.userIds[ownerOf()] ?? 1;
    const roll = random();
    const status = roll < 0.85 ? 'approved' : roll < 0.95 ? 'private' : roll < 0.98 ? 'pending' : 'rejected';
    const base = {
      positive: positive(),
      negative: negative(),
      checkpointId: terms.checkpoints[checkpointIndex] ?? 0,
      samplerId: pick(terms.samplers),
      schedulerId: pick(terms.schedulers),
      steps: between(random, 4, 16) * 2 + 12,
      cfg: between(random, 6, 18) / 2,
      denoise: random() < 0.9 ? 1 : Math.round((0.4 + random() * 0.5) * 100) / 100,
      lorasJson: `[${loraEntries.join(',')}]`,
      tagText: tagValues.join(' '),
    };
    // Some seeds are reused on purpose (42, 123456789…); most are ComfyUI's random 48-bit ones.
    const seed = random() < 0.05 ? pick([42, 1234, 123456789, 0, 7]) : Math.floor(random() * 2 ** 32) * 65536;
    const promptHead = (random() * 2 ** 32) >>> 0;
    const promptId = textOnly ? '' : `${hex32(promptHead)}-${hex32(batch)}-4000-8000-${hex32(firstId)}`;
    // Whole seconds apart, so a batch's images differ only in the milliseconds (i × 37 < 1000).
    clockMs += between(random, 5, 120) * 1000;
    const second = textOnly ? '' : new Date(clockMs).toISOString().slice(0, 20);
    // As long as the app's keys (22 characters of a hash), unique per batch.
    const stackKey = textOnly ? '' : fakeSha256(batch).slice(0, 22);
    const images: SeedImage[] = [];
    for (let i = 0; i < size; i++) {
      const id = firstId + i;
      const sha256 = fakeSha256(id);
      const createdAt = textOnly ? '' : `${second}${String(i * 37).padStart(3, '0')}Z`;
      // Spelled out: `{ ...base, … }` measured ~40× slower here.
      images.push({
        id,
        positive: base.positive,
        negative: base.negative,
        checkpointId: base.checkpointId,
        samplerId: base.samplerId,
        schedulerId: base.schedulerId,
        steps: base.steps,
        cfg: base.cfg,
        denoise: base.denoise,
        lorasJson: base.lorasJson,
        tagText: base.tagText,
        sha256,
        bytes: 900_000 + Math.floor(random() * 1_500_000),
        width,
        height,
        relativePath: textOnly ? '' : `${createdAt.slice(0, 10)}/${sha256}.png`,
        thumbnailPath: textOnly ? '' : `${sha256}.webp`,
        promptId,
        createdBy: owner,
        createdAt,
        status,
        rating: random() < 0.7 ? 0 : between(random, 1, 5),
        favorite: random() < 0.05 ? 1 : 0,
        note: random() < 0.01 ? pick(notes) : null,
        seed: seed + i,
        loraIds,
        loraWeights,
        tagIds,
        stackKey,
        shuffle: (random() * 2 ** 31) >>> 0,
        filename: `${sha256}.png`,
      });
    }
    return images;
  };
}
