/**
 * Deterministic randomness for the gallery seeder: a fixed seed gives the same million images on every
 * run, so figures from two runs describe the same data.
 */

/** mulberry32: a 32-bit state, a few integer operations per number (fast enough for ~100 M draws). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws indexes 0…n-1 with probability ∝ 1 / (rank + 1)^exponent: the first few most of the time,
 * most of them rarely, as words in prompts and models in a studio's output are.
 */
export function zipf(n: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) {
    total += 1 / (rank + 1) ** exponent;
    cumulative[rank] = total;
  }
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** An integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const hex16 = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));

/** 32 bits as 8 hex digits. */
export function hex32(value: number): string {
  return (hex16[(value >>> 16) & 65535] ?? '') + (hex16[value & 65535] ?? '');
}

/**
 * A SHA-256-shaped hex string unique per id: the first word is a bijection of the id (an odd
 * multiplier mod 2^32), the other seven are hashes of it.
 */
export function fakeSha256(id: number): string {
  let out = hex32(Math.imul(id, 0x9e3779b1) >>> 0);
  let h = id >>> 0;
  for (let i = 1; i < 8; i++) {
    h = (Math.imul(h ^ (h >>> 16), 0x85ebca6b) + i) | 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    out += hex32((h ^ (h >>> 16)) >>> 0);
  }
  return out;
}
