import { formatGalleryQueryValue, type GalleryQueryCompletion } from '@atelier/contract';

/** The search text with a suggestion accepted, and where the cursor goes (after it). */
export function applyCompletion(
  text: string,
  completion: GalleryQueryCompletion,
  choice: string,
): { text: string; cursor: number } {
  // A key name gets its colon and waits for the value; a value is done, so a space follows.
  const written = completion.key === null ? `${choice}:` : `${formatGalleryQueryValue(choice)}`;
  const after = text.slice(completion.end);
  const gap = completion.key === null || after.startsWith(' ') ? '' : ' ';
  const before = text.slice(0, completion.start);
  return { text: `${before}${written}${gap}${after}`, cursor: before.length + written.length + gap.length };
}

/** The parts of the text to draw, each marked when a problem covers it (for the wavy underline). */
export function underlineSegments(
  text: string,
  problems: readonly { start: number; end: number }[],
): { text: string; isProblem: boolean }[] {
  const marked = new Array<boolean>(text.length).fill(false);
  for (const { start, end } of problems) {
    // An empty span (a missing value at the end) still marks the character before it.
    const from = Math.max(0, Math.min(start, text.length - 1));
    for (let i = from; i < Math.min(Math.max(end, from + 1), text.length); i++) marked[i] = true;
  }
  const segments: { text: string; isProblem: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const last = segments.at(-1);
    if (last && last.isProblem === marked[i]) last.text += text[i];
    else segments.push({ text: text[i] ?? '', isProblem: marked[i] ?? false });
  }
  return segments;
}
