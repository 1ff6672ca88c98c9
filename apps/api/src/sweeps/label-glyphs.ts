/**
 * A 5 × 7 pixel font drawn as SVG paths, for the contact sheet's labels: SVG text needs system fonts (fontconfig),
 * which a fresh CI machine or a slim container may lack, and then renders boxes. Paths render the same anywhere.
 * Upper case only (lower case is folded), digits and the punctuation labels use; anything else draws as "?".
 */
const rows: Record<string, string> = {
  A: '.###.|#...#|#...#|#####|#...#|#...#|#...#',
  B: '####.|#...#|#...#|####.|#...#|#...#|####.',
  C: '.###.|#...#|#....|#....|#....|#...#|.###.',
  D: '####.|#...#|#...#|#...#|#...#|#...#|####.',
  E: '#####|#....|#....|####.|#....|#....|#####',
  F: '#####|#....|#....|####.|#....|#....|#....',
  G: '.###.|#...#|#....|#.###|#...#|#...#|.####',
  H: '#...#|#...#|#...#|#####|#...#|#...#|#...#',
  I: '.###.|..#..|..#..|..#..|..#..|..#..|.###.',
  J: '..###|...#.|...#.|...#.|...#.|#..#.|.##..',
  K: '#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#',
  L: '#....|#....|#....|#....|#....|#....|#####',
  M: '#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#',
  N: '#...#|#...#|##..#|#.#.#|#..##|#...#|#...#',
  O: '.###.|#...#|#...#|#...#|#...#|#...#|.###.',
  P: '####.|#...#|#...#|####.|#....|#....|#....',
  Q: '.###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#',
  R: '####.|#...#|#...#|####.|#.#..|#..#.|#...#',
  S: '.####|#....|#....|.###.|....#|....#|####.',
  T: '#####|..#..|..#..|..#..|..#..|..#..|..#..',
  U: '#...#|#...#|#...#|#...#|#...#|#...#|.###.',
  V: '#...#|#...#|#...#|#...#|#...#|.#.#.|..#..',
  W: '#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.',
  X: '#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#',
  Y: '#...#|#...#|.#.#.|..#..|..#..|..#..|..#..',
  Z: '#####|....#|...#.|..#..|.#...|#....|#####',
  '0': '.###.|#...#|#..##|#.#.#|##..#|#...#|.###.',
  '1': '..#..|.##..|..#..|..#..|..#..|..#..|.###.',
  '2': '.###.|#...#|....#|...#.|..#..|.#...|#####',
  '3': '####.|....#|....#|.###.|....#|....#|####.',
  '4': '...#.|..##.|.#.#.|#..#.|#####|...#.|...#.',
  '5': '#####|#....|####.|....#|....#|#...#|.###.',
  '6': '..##.|.#...|#....|####.|#...#|#...#|.###.',
  '7': '#####|....#|...#.|..#..|.#...|.#...|.#...',
  '8': '.###.|#...#|#...#|.###.|#...#|#...#|.###.',
  '9': '.###.|#...#|#...#|.####|....#|...#.|.##..',
  ' ': '.....|.....|.....|.....|.....|.....|.....',
  '.': '.....|.....|.....|.....|.....|.##..|.##..',
  ',': '.....|.....|.....|.....|.##..|..#..|.#...',
  ':': '.....|.##..|.##..|.....|.##..|.##..|.....',
  '-': '.....|.....|.....|#####|.....|.....|.....',
  _: '.....|.....|.....|.....|.....|.....|#####',
  '/': '....#|....#|...#.|..#..|.#...|#....|#....',
  '(': '...#.|..#..|.#...|.#...|.#...|..#..|...#.',
  ')': '.#...|..#..|...#.|...#.|...#.|..#..|.#...',
  '"': '.#.#.|.#.#.|.....|.....|.....|.....|.....',
  "'": '..#..|..#..|.....|.....|.....|.....|.....',
  '+': '.....|..#..|..#..|#####|..#..|..#..|.....',
  '=': '.....|.....|#####|.....|#####|.....|.....',
  '?': '.###.|#...#|....#|...#.|..#..|.....|..#..',
  '!': '..#..|..#..|..#..|..#..|..#..|.....|..#..',
  '#': '.#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.',
  '%': '##..#|##..#|...#.|..#..|.#...|#..##|#..##',
  '*': '.....|#.#.#|.###.|#####|.###.|#.#.#|.....',
};

/** Glyph cells are 5 × 7 pixels; a character advances 6 (one blank column). */
export const glyphWidth = 5;
export const glyphHeight = 7;
export const glyphAdvance = 6;

/** Per glyph: its lit runs as [row, first column, length]. */
const runs = new Map<string, [number, number, number][]>(
  Object.entries(rows).map(([char, bitmap]) => [char, toRuns(bitmap)]),
);

function toRuns(bitmap: string): [number, number, number][] {
  const out: [number, number, number][] = [];
  bitmap.split('|').forEach((row, y) => {
    let start = -1;
    for (let x = 0; x <= row.length; x++) {
      const lit = row[x] === '#';
      if (lit && start < 0) start = x;
      if (!lit && start >= 0) {
        out.push([y, start, x - start]);
        start = -1;
      }
    }
  });
  return out;
}

/** The characters the font draws, as given (lower case folded), anything else as "?". */
export function drawable(text: string): string {
  return [...text.toUpperCase()].map((char) => (runs.has(char) ? char : '?')).join('');
}

/** Width in pixels of `text` at `scale` (no trailing blank column). */
export function textWidth(text: string, scale: number): number {
  const length = [...text].length;
  return length === 0 ? 0 : (length * glyphAdvance - 1) * scale;
}

/** `text` shortened to at most `chars` characters, ".." marking the cut. */
export function fitText(text: string, chars: number): string {
  const all = [...text];
  return all.length <= chars ? text : `${all.slice(0, Math.max(0, chars - 2)).join('')}..`;
}

/** An SVG path `d` drawing `text` with its top-left corner at (x, y), each font pixel `scale` pixels square. */
export function textPath(text: string, x: number, y: number, scale: number): string {
  const parts: string[] = [];
  [...drawable(text)].forEach((char, i) => {
    const left = x + i * glyphAdvance * scale;
    for (const [row, column, length] of runs.get(char) ?? []) {
      const w = length * scale;
      parts.push(`M${left + column * scale} ${y + row * scale}h${w}v${scale}h-${w}z`);
    }
  });
  return parts.join('');
}
