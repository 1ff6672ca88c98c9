import { galleryMaxTags, galleryTagPattern } from '@atelier/contract';
import { AppError } from '../../common/app-error.js';

const tagPattern = new RegExp(galleryTagPattern, 'u');

/**
 * Tags are compared as typed by nobody in particular: trimmed, NFKC, lower case, inner runs of
 * spaces as one `-` ("Client A" and "client-a" are one tag). Null when nothing valid is left.
 */
export function normaliseTag(raw: string): string | null {
  const tag = raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '-');
  return tagPattern.test(tag) ? tag : null;
}

/** A PATCH's tags: normalised, deduplicated, in the order given; 400 naming the first bad one. */
export function normaliseTags(raw: readonly string[]): string[] {
  const tags: string[] = [];
  for (const [index, value] of raw.entries()) {
    const tag = normaliseTag(value);
    if (tag === null) {
      throw new AppError('validation_failed', `Tag "${value.slice(0, 80)}" is not valid`, {
        [`tags.${index}`]: [
          'must be 1–64 letters, digits, "-", "_", "." or ":", starting with a letter or digit',
        ],
      });
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > galleryMaxTags) {
    throw new AppError('validation_failed', `An image holds at most ${galleryMaxTags} tags`, {
      tags: [`must hold at most ${galleryMaxTags} tags`],
    });
  }
  return tags;
}
