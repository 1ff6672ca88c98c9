import { describe, expect, it } from 'vitest';
import { describeAddress, describeUserAgent } from './session-device';

describe('describeUserAgent', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on macOS',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Safari on iPhone',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      'Chrome on Linux',
    ],
    ['curl/8.5.0', 'curl'],
  ])('%s → %s', (userAgent, expected) => {
    expect(describeUserAgent(userAgent)).toBe(expected);
  });

  it('names an unknown client by the start of what it sent, and a missing one as unknown', () => {
    expect(describeUserAgent('my-script/1.0')).toBe('my-script/1.0');
    expect(describeUserAgent('x'.repeat(100))).toBe(`${'x'.repeat(57)}…`);
    expect(describeUserAgent(null)).toBe('Unknown device');
    expect(describeUserAgent('')).toBe('Unknown device');
  });
});

describe('describeAddress', () => {
  it('drops the IPv4-mapped prefix and keeps real IPv6 addresses', () => {
    expect(describeAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(describeAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(describeAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(describeAddress(null)).toBe('Unknown address');
  });
});
