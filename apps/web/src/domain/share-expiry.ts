/** The expiry choices of the Share dialog, in days; 0 is "never". */
export const shareExpiryDays = [0, 1, 7, 30] as const;
export type ShareExpiryDays = (typeof shareExpiryDays)[number];

/** `expires_at` for a choice made now: null for "never". */
export function shareExpiresAt(days: ShareExpiryDays, now: Date = new Date()): string | null {
  return days === 0 ? null : new Date(now.getTime() + days * 86_400_000).toISOString();
}

export function shareExpiryLabel(days: ShareExpiryDays): string {
  return days === 0 ? 'Never' : days === 1 ? 'In 1 day' : `In ${days} days`;
}
