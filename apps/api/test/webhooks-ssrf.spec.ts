import { afterEach, describe, expect, it } from 'vitest';
import { parseAllowedHosts } from '../src/config/allowed-hosts.js';
import type { AppConfig } from '../src/config/app-config.js';
import { ConfigError, loadConfig } from '../src/config/load-config.js';
import { AddressPolicy, isRefusedAddress } from '../src/webhooks/address-policy.js';
import { SafeSender, type ResolveAll } from '../src/webhooks/safe-sender.js';
import { startReceiver, status, type WebhookReceiver } from './webhook-receiver.js';

function senderWith(allowed = ''): SafeSender {
  const allowedHosts = parseAllowedHosts(allowed);
  if (!allowedHosts) throw new Error(`bad allow-list ${allowed}`);
  return new SafeSender(new AddressPolicy({ webhooks: { allowedHosts } } as unknown as AppConfig));
}

const post = (sender: SafeSender, url: string) =>
  sender.send({ url, headers: {}, body: '{"type":"webhook.test"}' });

describe('the SSRF-safe webhook sender', () => {
  let receiver: WebhookReceiver;
  afterEach(() => receiver.close());

  it('refuses loopback, private, link-local, metadata and mapped addresses without connecting', async () => {
    receiver = await startReceiver(undefined, '::');
    const sender = senderWith();
    for (const url of [
      receiver.url('/hook', '127.0.0.1'),
      receiver.url('/hook', 'localhost'),
      receiver.url('/hook', '[::1]'),
      receiver.url('/hook', '[::ffff:127.0.0.1]'),
      receiver.url('/hook', '0.0.0.0'),
      'http://10.0.0.1/hook',
      'http://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00::1]/hook',
      'http://[fe80::1]/hook',
    ]) {
      const result = await post(sender, url);
      expect(result.status, url).toBeNull();
      expect(result.error, url).toMatch(/^refused: /);
    }
    expect(receiver.hits).toHaveLength(0);
  });

  it('admits an allow-listed host, port or range, and only that', async () => {
    receiver = await startReceiver();
    const url = receiver.url();
    expect((await post(senderWith('127.0.0.1'), url)).status).toBe(200);
    expect((await post(senderWith(`127.0.0.1:${receiver.port}`), url)).status).toBe(200);
    expect((await post(senderWith('127.0.0.0/8'), url)).status).toBe(200);
    expect(
      (await post(senderWith(`localhost:${receiver.port}`), receiver.url('/hook', 'localhost'))).status,
    ).toBe(200);
    expect(receiver.hits).toHaveLength(4);
    const otherPort = receiver.port === 1 ? 2 : 1;
    expect((await post(senderWith(`127.0.0.1:${otherPort}`), url)).error).toMatch(/^refused: /);
    expect((await post(senderWith('10.0.0.0/8'), url)).error).toMatch(/^refused: /);
    expect((await post(senderWith('example.com'), url)).error).toMatch(/^refused: /);
    expect(receiver.hits).toHaveLength(4);
  });

  it('checks the connected peer on its own: a name whose lookup passed but whose socket reached loopback is refused', async () => {
    receiver = await startReceiver();
    // A DNS answer that changes under the sender (rebinding at its worst): the lookup check reads a public
    // address, the socket then connects to the receiver on loopback. Only the connect-time check can see it.
    const answers: string[] = [];
    const rebinding: ResolveAll = (_name, _options, callback) => {
      let reads = 0;
      const entry = {
        family: 4,
        get address() {
          const address = reads++ === 0 ? '93.184.215.14' : '127.0.0.1';
          answers.push(address);
          return address;
        },
      };
      callback(null, [entry]);
    };
    const policy = new AddressPolicy({ webhooks: { allowedHosts: [] } } as unknown as AppConfig);
    const result = await new SafeSender(policy, rebinding).send({
      url: `http://rebind.example:${receiver.port}/hook`,
      headers: {},
      body: '{"type":"webhook.test"}',
    });
    expect(answers[0]).toBe('93.184.215.14');
    expect(answers.slice(1)).toContain('127.0.0.1');
    expect(result).toMatchObject({ status: null, error: 'refused: connected to 127.0.0.1', aborted: false });
    expect(receiver.hits).toHaveLength(0);

    // The same name answered with loopback throughout is refused at the lookup already, before any connection.
    const loopback: ResolveAll = (_name, _options, callback) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    const early = await new SafeSender(policy, loopback).send({
      url: `http://rebind.example:${receiver.port}/hook`,
      headers: {},
      body: '{}',
    });
    expect(early.error).toBe('refused: rebind.example resolves to 127.0.0.1');
    expect(receiver.hits).toHaveLength(0);
  });

  it('follows no redirect: a 3xx is a failed try and its target is never asked', async () => {
    receiver = await startReceiver((_, res) => {
      res.statusCode = 302;
      res.setHeader('location', '/elsewhere');
      res.end();
    });
    const result = await post(senderWith('127.0.0.1'), receiver.url());
    expect(result).toMatchObject({ status: 302, error: 'redirect not followed' });
    expect(receiver.hits.map((hit) => hit.path)).toEqual(['/hook']);
  });

  it('reads at most 64 KB of an answer and keeps the first KB: an endless body does not hold the try', async () => {
    receiver = await startReceiver((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('x'.repeat(256 * 1024)); // and never ends
    });
    const result = await post(senderWith('127.0.0.1'), receiver.url());
    expect(result.status).toBe(200);
    expect(result.error).toBeNull();
    expect(result.excerpt).toBe('x'.repeat(1024));
  });

  it('refuses URLs that are not http(s) or carry credentials, before any connection', async () => {
    receiver = await startReceiver(status(200));
    const sender = senderWith('127.0.0.1');
    expect((await post(sender, `ftp://127.0.0.1:${receiver.port}/`)).error).toMatch(/^refused: /);
    expect((await post(sender, `http://user:pw@127.0.0.1:${receiver.port}/`)).error).toMatch(/^refused: /);
    expect(receiver.hits).toHaveLength(0);
  });
});

describe('the default address policy and the allow-list syntax', () => {
  it('refuses what a receiver on the internet never is', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
    ]) {
      expect(isRefusedAddress(address), address).toBe(true);
    }
    expect(isRefusedAddress('::ffff:10.0.0.1')).toBe(true);
    expect(isRefusedAddress('93.184.215.14')).toBe(false);
    expect(isRefusedAddress('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBe(false);
    expect(isRefusedAddress('::ffff:93.184.215.14')).toBe(false);
  });

  it('parses host[:port] and CIDR entries and rejects malformed ones', () => {
    expect(parseAllowedHosts(' hooks.internal:8443, 10.0.0.0/8 ,[fd00::1]:9000,::1')).toEqual([
      { kind: 'host', host: 'hooks.internal', port: 8443 },
      { kind: 'cidr', address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { kind: 'host', host: 'fd00::1', port: 9000 },
      { kind: 'host', host: '::1', port: null },
    ]);
    expect(parseAllowedHosts('')).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'host:0', 'host:70000', 'http://host', 'a b', 'host:1:2']) {
      expect(parseAllowedHosts(bad), bad).toBeUndefined();
    }
  });

  it('ATELIER_WEBHOOK_ALLOWED_HOSTS is read at boot, and a malformed entry stops the boot', () => {
    expect(loadConfig({}).webhooks.allowedHosts).toEqual([]);
    expect(loadConfig({ ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9000' }).webhooks.allowedHosts).toEqual([
      { kind: 'host', host: '127.0.0.1', port: 9000 },
    ]);
    expect(() => loadConfig({ ATELIER_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33' })).toThrow(ConfigError);
  });
});
