import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

function isLoopback(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1';
  return false;
}

function splitHostPort(netloc: string): { hostname: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(netloc);
  return { hostname: (m?.[1] ?? netloc).replace(/^\[|\]$/g, ''), port: m?.[2] || undefined };
}

/**
 * ComfyUI's origin-only middleware (no --enable-cors-header): a request to a loopback Host whose
 * Origin names another host:port is refused with 403. Without an Origin header anything goes.
 */
export function originAllowed(headers: IncomingHttpHeaders): boolean {
  const host = headers.host;
  const origin = headers.origin;
  if (!host || !origin) return true;
  let hostDomain: string = host.toLowerCase();
  let originNetloc: string;
  try {
    originNetloc = new URL(origin).host.toLowerCase();
  } catch {
    originNetloc = '';
  }
  const hostParsed = splitHostPort(hostDomain);
  const originParsed = splitHostPort(originNetloc);
  if (!isLoopback(hostParsed.hostname)) return true;
  // URL() drops default ports (":80"); urllib keeps what was written, so read the port from the text.
  const originPort = /^[a-z][a-z0-9+.-]*:\/\/[^/]*:(\d+)/i.exec(origin)?.[1];
  let originDomain = originPort ? `${originParsed.hostname}:${originPort}` : originNetloc;
  if (originPort === undefined) hostDomain = hostParsed.hostname;
  if (hostParsed.port === undefined) originDomain = originParsed.hostname;
  if (hostDomain.length === 0 || originDomain.length === 0) return true;
  return hostDomain === originDomain;
}
