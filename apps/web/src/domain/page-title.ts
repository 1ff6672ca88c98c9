/**
 * The tab's title with a count of jobs that finished while the tab was hidden: "(2) Generate · Atelier".
 * The count goes first so it survives the truncation of a narrow tab.
 */
export function titleWith(base: string, unseen: number): string {
  return unseen > 0 ? `(${unseen}) ${base}` : base;
}

/** The title without its count, to put a new count on it. */
export function titleWithout(title: string): string {
  return title.replace(/^\(\d+\) /, '');
}
