/**
 * Scoped API keys: `Authorization: Bearer atl_…` or `X-Api-Key: atl_…`. A key can never do more than
 * its owner's current role allows; a route without a scope (auth, sessions, keys, webhooks) refuses keys.
 */
export const apiScopes = [
  'jobs:read',
  'jobs:write',
  'gallery:read',
  'gallery:write',
  'boards:write',
  'admin',
] as const;

export type ApiScope = (typeof apiScopes)[number];

/** Every key starts with this, so scanners and the auth guard can tell keys from session tokens. */
export const apiKeyPrefix = 'atl_';
/** The header a key may be sent in instead of Authorization. */
export const apiKeyHeader = 'x-api-key';
/** Names are for people: short, any characters. */
export const apiKeyNameMaxLength = 100;

/** A key as listed: never the secret, only its visible prefix (`atl_` and 8 more characters). */
export interface ApiKeySummary {
  id: number;
  name: string;
  prefix: string;
  scopes: ApiScope[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}

/** POST /api/me/api-keys. `expires_at` is an ISO instant in the future, or absent for no expiry. */
export interface CreateApiKeyRequest {
  name: string;
  scopes: ApiScope[];
  expires_at?: string | null;
}

/** The answer to a create: the secret `key` is shown this once and never again. */
export interface CreatedApiKey extends ApiKeySummary {
  key: string;
}

export interface ApiKeyListResponse {
  items: ApiKeySummary[];
}
