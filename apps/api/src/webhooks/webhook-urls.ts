import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppError } from '../common/app-error.js';
import { AddressPolicy, hostnameOf, portOf } from './address-policy.js';

/**
 * Judges a receiver's URL when it is saved (create, patch), so a user hears at once that Atelier will not call
 * it: its shape, its literal address, and what its name resolves to now. The sender judges the address again
 * at every connection (DNS may change in between), so a name that does not resolve yet is let through here.
 * Answers the URL as WHATWG URL parsing normalises it.
 */
@Injectable()
export class WebhookUrls {
  constructor(private readonly policy: AddressPolicy) {}

  async check(raw: string): Promise<string> {
    const refusal = this.policy.checkUrl(raw);
    if (refusal !== null) throw refused(refusal);
    const url = new URL(raw);
    const host = hostnameOf(url);
    if (isIP(host) === 0) {
      const port = portOf(url);
      for (const { address } of await resolve(host)) {
        if (!this.policy.admits(host, port, address))
          throw refused(`${host} resolves to ${address}, not allowed`);
      }
    }
    return url.toString();
  }
}

async function resolve(host: string): Promise<{ address: string }[]> {
  try {
    return await lookup(host, { all: true });
  } catch {
    return [];
  }
}

function refused(why: string): AppError {
  return new AppError('webhooks.url_refused', `This webhook URL is refused: ${why}`, { url: [why] });
}
