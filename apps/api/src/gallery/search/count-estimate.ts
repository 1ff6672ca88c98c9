import { galleryFacetSample } from '@atelier/contract';

/** Counts are exact up to this many matches; beyond, estimated from how densely the first ones lie. */
export const exactCountLimit = 250;
/** Facets count at most this many matches (the newest), scaled up when there are more. */
export const facetSampleSize = galleryFacetSample;
/** Stretches of older ids sampled, besides the newest, to estimate a count past exactCountLimit. */
const estimateProbes = 4;

/** What the newest matches told: `found` of them read newest first between ids `newest` and `last`. */
export interface NewestMatches {
  newest: number;
  last: number;
  found: number;
  /** The gallery's lowest image id. */
  lowest: number;
  /** Whether the search has text (then no stretches are read: see estimateStretches). */
  text: boolean;
}

/** One stretch of ids to count matches in, at most `cap` of them. */
export interface Stretch {
  low: number;
  high: number;
  cap: number;
}

/**
 * Besides the newest stretch, a few stretches as wide spread over the older ids, since matches cluster
 * in time (a tag given to one week's images) and the newest stretch alone would count that week's
 * density for the whole gallery. Both engines read the same stretches, so they estimate alike.
 */
export function estimateStretches(matches: NewestMatches): Stretch[] {
  const { newest, last, found, lowest, text } = matches;
  const span = newest - last + 1;
  const range = newest - lowest + 1;
  // Each stretch is wide enough for about exactCountLimit matches at the newest density, but never
  // wider than 10 × that many ids (a query walking rows one by one reads at most that many).
  const width = Math.max(1, Math.min(10 * exactCountLimit, Math.round((span * exactCountLimit) / found)));
  // Not with text: FTS5 reaches a rowid far back by walking to it (~30 ms at 800,000 rows back), and
  // prompt words spread evenly over time anyway; clustered matches (tags, dates, boards) are index walks.
  const probes = text ? 0 : estimateProbes;
  const stretches: Stretch[] = [];
  let examined = span;
  for (let probe = 1; probe <= probes && examined < range; probe++) {
    const high = newest - Math.floor((range * probe) / (estimateProbes + 1));
    const low = Math.max(lowest, high - width + 1);
    // Capped at twice the expected count: a denser stretch is counted as at least that dense.
    stretches.push({ low, high, cap: 2 * exactCountLimit });
    examined += high - low + 1;
  }
  return stretches;
}

/** The estimate from the newest matches and the counts found in each of estimateStretches' stretches. */
export function estimateTotal(
  matches: NewestMatches,
  stretches: readonly Stretch[],
  counts: readonly number[],
): number {
  const range = matches.newest - matches.lowest + 1;
  let matched = matches.found;
  let examined = matches.newest - matches.last + 1;
  stretches.forEach((stretch, i) => {
    matched += counts[i] ?? 0;
    examined += stretch.high - stretch.low + 1;
  });
  return Math.max(matches.found, Math.round((matched / examined) * range));
}
