/**
 * The searches the gallery bench times, each over real HTTP against the API on the seeded database,
 * one request at a time from a load generator on its own thread (load.worker.ts), so the figures are
 * the latency a browser would see on loopback. Queries alternate round by round, so a noisy moment
 * on the shared machine spreads over all of them rather than colouring one.
 */
import type { GalleryFacets, GallerySearchPage } from '@atelier/contract';
import { json } from './bench-kit.js';
import { message, percentile, worker } from './harness.js';
import type { LoadJob, LoadResult } from './load.worker.js';
import { rareWord } from './gallery-vocabulary.js';

export type QueryKind = 'floor' | 'page' | 'search' | 'facets';

export interface GalleryQuery {
  name: string;
  kind: QueryKind;
  /** Path and query string under the API. */
  path: string;
  /** Whose session: the plain user's by default. */
  as?: 'admin';
}

export interface QueryTiming {
  query: GalleryQuery;
  p50: number;
  p95: number;
  max: number;
  runs: number;
  failures: number;
}

const search = (q: string) => `/api/gallery/images?q=${encodeURIComponent(q)}`;

/** A word in most prompts, one in a few dozen, a phrase, and a word with two filters. */
export const commonWord = 'masterpiece';
export const phrase = '"golden hour"';
export const filtered = `${commonWord} model:juggernautXL sampler:dpmpp_2m`;

/** The queries (the deep page's path is filled in once its cursor is known). */
export function galleryQueries(deepPagePath: string): GalleryQuery[] {
  return [
    { name: 'health (HTTP floor)', kind: 'floor', path: '/api/health' },
    { name: 'first page', kind: 'page', path: '/api/gallery/images' },
    { name: 'deep page (21st)', kind: 'page', path: deepPagePath },
    { name: `common word (${commonWord})`, kind: 'search', path: search(commonWord) },
    { name: `rare word (${rareWord})`, kind: 'search', path: search(rareWord) },
    { name: `phrase (${phrase})`, kind: 'search', path: search(phrase) },
    { name: 'word + model: + sampler:', kind: 'search', path: search(filtered) },
    { name: `facets, common word`, kind: 'facets', path: `/api/gallery/facets?q=${commonWord}` },
    { name: `common word, as admin`, kind: 'search', path: search(commonWord), as: 'admin' },
  ];
}

/** The cursor of page `pages + 1` of the newest-first grid, followed page by page. */
export async function deepPagePath(api: string, headers: Record<string, string>, pages: number) {
  let path = '/api/gallery/images';
  for (let i = 0; i < pages; i++) {
    const page = await json<GallerySearchPage>(`${api}${path}`, { headers });
    if (!page.next_cursor) throw new Error(`the grid ended after ${i + 1} pages`);
    path = `/api/gallery/images?cursor=${encodeURIComponent(page.next_cursor)}`;
  }
  return path;
}

/** What each query matches, for the table: items on the page and the total (or facet matches). */
export async function describe(
  api: string,
  query: GalleryQuery,
  headers: Record<string, string>,
): Promise<string> {
  if (query.kind === 'floor') return '';
  if (query.kind === 'facets') {
    const facets = await json<GalleryFacets>(`${api}${query.path}`, { headers });
    return `${facets.matches} matches${facets.sampled ? ' (sampled)' : ''}`;
  }
  const page = await json<GallerySearchPage>(`${api}${query.path}`, { headers });
  return `${page.items.length} items, ${page.total_exact ? '' : '~'}${page.total_estimate} total`;
}

async function timeOnce(url: string, headers: Record<string, string>, total: number) {
  const job: LoadJob = { url, headers, concurrency: 1, total };
  return message<LoadResult>(worker('./load.worker.js', job));
}

/** The most a query may take to time (its runs shrink to fit, down to `minRuns`). */
const budgetMs = 20_000;
const minRuns = 10;

/**
 * `runs` requests of each query, sequential, in `rounds` alternating rounds after a warm-up of up to
 * `warmup` each (the page cache and prepared statements warm, as in a running server). A query slow
 * enough to blow the time budget runs fewer times (the table's `runs` column says how many).
 */
export async function timeQueries(
  api: string,
  queries: readonly GalleryQuery[],
  sessions: { user: Record<string, string>; admin: Record<string, string> },
  options: { runs: number; rounds: number; warmup: number },
): Promise<QueryTiming[]> {
  const headersOf = (query: GalleryQuery) => (query.as === 'admin' ? sessions.admin : sessions.user);
  const latencies = queries.map(() => [] as number[]);
  const failures = queries.map(() => 0);
  const runsOf: number[] = [];
  for (const query of queries) {
    const url = `${api}${query.path}`;
    const [first = 1] = (await timeOnce(url, headersOf(query), 1)).latenciesMs;
    const warm = await timeOnce(
      url,
      headersOf(query),
      Math.max(1, Math.min(options.warmup, Math.floor(2000 / first))),
    );
    const typical = percentile(
      [...warm.latenciesMs].sort((a, b) => a - b),
      50,
    );
    runsOf.push(Math.min(options.runs, Math.max(minRuns, Math.floor(budgetMs / typical))));
  }
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? queries.map((_, i) => i) : queries.map((_, i) => queries.length - 1 - i);
    for (const i of order) {
      const query = queries[i]!;
      const perRound = Math.ceil(runsOf[i]! / options.rounds);
      const result = await timeOnce(`${api}${query.path}`, headersOf(query), perRound);
      latencies[i]!.push(...result.latenciesMs);
      failures[i]! += result.failures;
    }
  }
  return queries.map((query, i) => {
    const sorted = [...latencies[i]!].sort((a, b) => a - b);
    return {
      query,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      runs: sorted.length,
      failures: failures[i]!,
    };
  });
}
