import type { BulkAction } from '@atelier/contract';

const images = (count: number) => (count === 1 ? '1 image' : `${count} images`);

/** The toast after a bulk action: what happened, to how many. */
export function describeBulk(action: BulkAction, affected: number): string {
  const n = images(affected);
  switch (action.type) {
    case 'tag':
      return `Tagged ${n} ${action.tags.join(', ')}`;
    case 'untag':
      return `Removed ${action.tags.join(', ')} from ${n}`;
    case 'rate':
      return action.rating === 0 ? `Cleared the rating of ${n}` : `Rated ${n} ${action.rating}★`;
    case 'favorite':
      return action.favorite ? `Marked ${n} as favourite` : `Unmarked ${n} as favourite`;
    case 'board_add':
      return `Added ${n} to the board`;
    case 'board_remove':
      return `Removed ${n} from the board`;
    case 'submit':
      return `Submitted ${n} for review`;
    case 'approve':
      return `Approved ${n}`;
    case 'reject':
      return `Rejected ${n}`;
    case 'trash':
      return `Moved ${n} to the trash`;
    case 'restore':
      return `Restored ${n}`;
  }
}

/** Actions after which the images leave the current view (the selection goes with them). */
export function leavesView(action: BulkAction): boolean {
  return action.type === 'trash' || action.type === 'restore';
}

/**
 * Tags as typed ("Sunset, golden hour") the way the API stores them: trimmed, lower case, inner
 * spaces as `-`, duplicates and empties dropped.
 */
export function parseTags(text: string): string[] {
  const tags = text
    .split(',')
    .map((one) => one.trim().toLowerCase().replace(/\s+/g, '-'))
    .filter(Boolean);
  return [...new Set(tags)];
}
