import type { ImageParams, Share } from '@atelier/contract';

/** What a link shares, in words: "1 image", "3 images", "Board “Harbours”". */
export function shareSubject(share: Pick<Share, 'kind' | 'image_ids' | 'board'>): string {
  if (share.kind === 'board') return share.board ? `Board “${share.board.name}”` : 'A deleted board';
  const count = share.image_ids?.length ?? 0;
  return count === 1 ? '1 image' : `${count} images`;
}

/** Whether a link's expiry has passed (it stays listed until revoked, but opens as "expired"). */
export function shareHasExpired(expiresAt: string | null, now: Date = new Date()): boolean {
  return expiresAt !== null && new Date(expiresAt).getTime() <= now.getTime();
}

export function shareViewsLabel(views: number): string {
  return views === 1 ? '1 view' : `${views} views`;
}

/** The next image of the public page's lightbox, or null at either end (it does not wrap). */
export function stepShareImage(index: number, delta: -1 | 1, count: number): number | null {
  const next = index + delta;
  return next >= 0 && next < count ? next : null;
}

/** The parameters a non-redacted link shows, as label/value rows; empty values are left out. */
export function shareParamRows(params: ImageParams | null): { label: string; value: string }[] {
  if (!params) return [];
  const rows: [string, string | number | null][] = [
    ['Prompt', params.positive],
    ['Negative prompt', params.negative],
    ['Checkpoint', params.checkpoint],
    ['LoRAs', params.loras.map((lora) => lora.name).join(', ') || null],
    ['Sampler', params.sampler],
    ['Scheduler', params.scheduler],
    ['Steps', params.steps],
    ['CFG', params.cfg],
    ['Seed', params.seed],
    ['Denoise', params.denoise],
    ['Size', params.width && params.height ? `${params.width}×${params.height}` : null],
  ];
  return rows
    .filter((row): row is [string, string | number] => row[1] !== null && row[1] !== '')
    .map(([label, value]) => ({ label, value: String(value) }));
}
