import type { NextFunction, Request, Response } from 'express';

/** Where a share link's token shows: its page (the SPA's index.html) and its API. */
export const sharePaths = ['/s', '/api/public/shares'];

/**
 * Keeps share links out of search engines, answers and errors alike (a middleware: an interceptor
 * would miss the 404s and 410s, and the SPA's index.html is not a Nest route at all).
 */
export function noindexShares(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  next();
}
