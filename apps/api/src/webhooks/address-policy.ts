import { Injectable } from '@nestjs/common';
import { BlockList, isIP } from 'node:net';
import { AppConfig } from '../config/app-config.js';
import type { AllowedHost } from '../config/allowed-hosts.js';

/**
 * Addresses a webhook may never reach unless allow-listed: this host, private networks, link-local (which
 * holds the cloud metadata service at 169.254.169.254), multicast, reserved and translation ranges. A receiver
 * is meant to be on the internet; anything else is a way to make Atelier probe its own network.
 */
const refused = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(address, prefix, 'ipv6');
}

/** True for an address no webhook may reach by default. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is judged as IPv4. */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return refused.check(address, 'ipv4');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return refused.check(mapped, 'ipv4');
  // Any other IPv4-in-IPv6 form (hex-mapped, compatible ::a.b.c.d) is refused outright.
  if (/^::ffff:/i.test(address) || /^::[\d.]+$/.test(address)) return true;
  return refused.check(address, 'ipv6');
}

/** Why a webhook URL may not be used, or null. */
export type UrlRefusal = string | null;

/**
 * Decides which addresses webhooks may reach: the default refusal above, lifted per host (and port) or per
 * range by ATELIER_WEBHOOK_ALLOWED_HOSTS. The sender asks it for every address DNS returns and again for the
 * address the socket connected to.
 */
@Injectable()
export class AddressPolicy {
  private readonly hosts: readonly Extract<AllowedHost, { kind: 'host' }>[];
  private readonly ranges = new BlockList();

  constructor(config: AppConfig) {
    this.hosts = config.webhooks.allowedHosts.filter((entry) => entry.kind === 'host');
    for (const entry of config.webhooks.allowedHosts) {
      if (entry.kind === 'cidr') this.ranges.addSubnet(entry.address, entry.prefix, entry.family);
    }
  }

  /** The URL's own shape: http(s), no credentials, and a literal IP must already be admissible (before any DNS). */
  checkUrl(raw: string): UrlRefusal {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs';
    if (url.username || url.password) return 'no credentials in the URL';
    const host = hostnameOf(url);
    if (isIP(host) !== 0 && !this.admits(host, portOf(url), host)) return `address ${host} is not allowed`;
    return null;
  }

  /** May a connection to `address` be made for a URL naming `hostname` and `port`? */
  admits(hostname: string, port: number, address: string): boolean {
    if (!isRefusedAddress(address)) return true;
    return this.allowListed(hostname.toLowerCase(), port, address);
  }

  private allowListed(hostname: string, port: number, address: string): boolean {
    const family = isIP(address);
    if (family !== 0 && this.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return this.hosts.some(
      (entry) =>
        (entry.host === hostname || entry.host === address) && (entry.port === null || entry.port === port),
    );
  }
}

/** The URL's host without IPv6 brackets. */
export function hostnameOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
