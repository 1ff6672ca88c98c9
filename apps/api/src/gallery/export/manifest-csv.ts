import { csvLine } from '../../common/csv.js';

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
  'bytes',
  'original_sha256',
  'width',
  'height',
  'owner',
  'created_at',
  'checkpoint',
  'seed',
];

/** The header line; a redacted export has no prompt column at all. */
export function manifestHeader(redact: boolean): string {
  return csvLine(redact ? columns : [...columns, 'positive_prompt']);
}

/**
 * A line for one image. No hash of the labelled copy: hashing every byte cost a third of the
 * export's CPU, the ZIP's CRC-32 already checks each entry, and the original's SHA-256 names it.
 */
export function manifestLine(entry: ManifestEntry, redact: boolean): string {
  const cells = [
    entry.id,
    entry.file,
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
