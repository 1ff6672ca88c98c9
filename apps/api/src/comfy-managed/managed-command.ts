/** What Atelier adds to (and reads from) the ComfyUI command line of managed mode. */

const wildcardHosts = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The addresses of ComfyUI's `--listen` (last one wins, comma-separated list allowed), or null when the
 * command does not set it. A bare `--listen` means every interface, as in ComfyUI.
 */
export function listenAddressesOf(args: readonly string[]): string[] | null {
  let found: string[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    let value: string | undefined;
    if (arg.startsWith('--listen=')) value = arg.slice('--listen='.length);
    else if (arg === '--listen') {
      const next = args[i + 1];
      value = next !== undefined && !next.startsWith('--') ? next : '0.0.0.0,::';
    } else continue;
    found = value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  }
  return found;
}

/** The command's arguments with `--port <port>` appended, and `--listen 127.0.0.1` unless it listens already. */
export function argsWithPort(args: readonly string[], port: number): string[] {
  const extra = ['--port', String(port)];
  if (listenAddressesOf(args) === null) extra.push('--listen', '127.0.0.1');
  return [...args, ...extra];
}

/**
 * Where Atelier reaches the child (and checks that the port is free): loopback unless the command pins
 * ComfyUI to one specific address.
 */
export function connectHostOf(args: readonly string[]): string {
  const addresses = listenAddressesOf(args);
  const first = addresses?.[0];
  if (!addresses || !first || addresses.some((address) => wildcardHosts.has(address))) return '127.0.0.1';
  return first.replace(/^\[(.*)\]$/, '$1');
}

/** `http://host:port`, with IPv6 hosts in brackets. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
