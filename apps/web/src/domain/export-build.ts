import {
  exportNeedsBackground,
  type ExportBuildView,
  type ExportOptions,
  type GallerySelection,
} from '@atelier/contract';
import { formatBytes } from './format';
import { selectionParams } from './gallery-pick';

/** Large selections are built on the server (POST /gallery/exports) and fetched when ready; small ones stream. */
export function usesBackgroundBuild(count: number): boolean {
  return exportNeedsBackground(count);
}

/**
 * The body of POST /gallery/exports: the selection as export.zip's query would carry it (the server
 * validates both alike), repeated parameters as lists, and the options.
 */
export function exportBuildBody(
  selection: GallerySelection,
  { sidecars, redact }: ExportOptions,
): Record<string, string | string[] | boolean> {
  const params = selectionParams(selection);
  const body: Record<string, string | string[] | boolean> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    body[key] = values.length > 1 ? values : (values[0] ?? '');
  }
  if (sidecars) body['sidecars'] = true;
  if (redact) body['redact'] = true;
  return body;
}

/** First poll after a second, then each wait half again as long, up to five seconds. */
export const firstPollMs = 1000;
const longestPollMs = 5000;

export function nextPollDelay(previous: number | null): number {
  return previous === null ? firstPollMs : Math.min(longestPollMs, Math.round(previous * 1.5));
}

/** A build's state in words, for its progress bar's text. */
export function describeBuild(
  view: Pick<ExportBuildView, 'status' | 'progress' | 'bytes' | 'images'>,
): string {
  const percent = Math.min(100, Math.floor(view.progress * 100));
  const size = `${view.images} ${view.images === 1 ? 'image' : 'images'}, ${formatBytes(view.bytes)}`;
  switch (view.status) {
    case 'queued':
      return `Waiting to build the ZIP (${size})`;
    case 'running':
      return `Building the ZIP: ${percent} % of ${formatBytes(view.bytes)}`;
    case 'ready':
      return `ZIP ready (${size})`;
    case 'failed':
      return 'The ZIP could not be built';
  }
}
