import { formatBytes } from './format';

/** The file name of an attachment (`Content-Disposition: attachment; filename="x.zip"`), or a fallback. */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  const match = header ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header) : null;
  const name = match?.[1] ? decodeURIComponent(match[1]).replace(/[\\/]/g, '_').trim() : '';
  return name || fallback;
}

/** "3.2 MB of 10 MB (32 %)", or just what arrived when the length is unknown. */
export function describeProgress(received: number, total: number | null): string {
  if (!total) return `${formatBytes(received)} received`;
  const percent = Math.min(100, Math.floor((received / total) * 100));
  return `${formatBytes(received)} of ${formatBytes(total)} (${percent} %)`;
}
