import { isIP } from 'node:net';

/** One ATELIER_WEBHOOK_ALLOWED_HOSTS entry: a host (any port, or one), or an address range. */
export type AllowedHost =
  | { kind: 'host'; host: string; port: number | null }
  | { kind: 'cidr'; address: string; prefix: number; family: 'ipv4' | 'ipv6' };

/**
 * Parses a comma-separated `host[:port]` / CIDR list (`hooks.internal:8443, 10.0.0.0/8, [fd00::1]:9000`);
 * undefined when an entry is malformed, so a typo fails the boot instead of silently admitting nothing.
 */
export function parseAllowedHosts(raw: string): AllowedHost[] | undefined {
  const entries: AllowedHost[] = [];
  for (const part of raw.split(',')) {
    const text = part.trim().toLowerCase();
    if (!text) continue;
    const entry = parseEntry(text);
    if (!entry) return undefined;
    entries.push(entry);
  }
  return entries;
}

function parseEntry(text: string): AllowedHost | undefined {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const address = text.slice(0, slash);
    const prefixText = text.slice(slash + 1);
    const family = isIP(address);
    if (family === 0 || !/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    if (prefix > (family === 4 ? 32 : 128)) return undefined;
    return { kind: 'cidr', address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
  }
  if (isIP(text) === 6) return { kind: 'host', host: text, port: null };
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    const [, host = '', port] = bracketed;
    if (isIP(host) !== 6) return undefined;
    return withPort(host, port);
  }
  const [host = '', port, ...rest] = text.split(':');
  if (rest.length > 0 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    return undefined;
  }
  return withPort(host, port);
}

function withPort(host: string, port: string | undefined): AllowedHost | undefined {
  if (port === undefined) return { kind: 'host', host, port: null };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return undefined;
  return { kind: 'host', host, port: Number(port) };
}
