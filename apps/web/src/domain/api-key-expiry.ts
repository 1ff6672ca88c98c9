/** The expiry choices of a new API key, in days; `never` sends no expiry. */
export const apiKeyExpiryChoices = [
  { value: 'never', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
] as const;

export type ApiKeyExpiryChoice = (typeof apiKeyExpiryChoices)[number]['value'];

/** The ISO instant a choice means from `now`, or null for a key that never expires. */
export function expiryOf(choice: ApiKeyExpiryChoice, now: Date = new Date()): string | null {
  if (choice === 'never') return null;
  return new Date(now.getTime() + Number(choice) * 86_400_000).toISOString();
}

/** Whether a listed key's expiry has passed (it stays listed until revoked, but no longer works). */
export function hasExpired(expiresAt: string | null, now: Date = new Date()): boolean {
  return expiresAt !== null && new Date(expiresAt).getTime() <= now.getTime();
}
