/** One image's line in manifest.csv, as the export knows it before the copy is made. */
export interface ManifestEntry {
  id: number;
  file: string;
  /** Size of the copy in the ZIP (labelled, maybe redacted). */
  bytes: number;
  originalSha256: string;
  width: number;
  height: number;
  owner: string | null;
  createdAt: string;
  checkpoint: string | null;
  seed: number | null;
  positive: string | null;
}

const columns = [
  'id',
  'file',
  'sha256',
  'bytes',
  'original_sha256',
  'width',
  'height',
  'owner',
  'created_at',
  'checkpoint',
  'seed',
];

/** What stands in for a copy's SHA-256 while the length is predicted: a hash is always 64 hex digits. */
export const sha256Placeholder = '0'.repeat(64);

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break. Text that a spreadsheet
 * would run as a formula (= + - @, and tab or CR, which some strip first) gets a leading quote.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The header line; a redacted export has no prompt column at all. */
export function manifestHeader(redact: boolean): string {
  return csvLine(redact ? columns : [...columns, 'positive_prompt']);
}

/** A line for one image, with the SHA-256 of its copy as it went into the ZIP. */
export function manifestLine(entry: ManifestEntry, sha256: string, redact: boolean): string {
  const cells = [
    entry.id,
    entry.file,
    sha256,
    entry.bytes,
    entry.originalSha256,
    entry.width,
    entry.height,
    entry.owner,
    entry.createdAt,
    entry.checkpoint,
    entry.seed,
  ];
  return csvLine(redact ? cells : [...cells, entry.positive]);
}
