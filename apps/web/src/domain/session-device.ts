/**
 * "Firefox on Linux", "Safari on iPhone": a User-Agent as people recognise their devices. Only the
 * usual browsers and systems are named; anything else shows the start of the raw string.
 */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = browserOf(userAgent);
  const system = systemOf(userAgent);
  if (browser && system) return `${browser} on ${system}`;
  if (browser ?? system) return browser ?? system ?? userAgent;
  return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const browsers: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/(?:\b|Headless)Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
];

// Android says "Linux", iPhones say "Mac OS X": the specific ones first.
const systems: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const firstMatch = (table: [RegExp, string][], text: string) =>
  table.find(([pattern]) => pattern.test(text))?.[1] ?? null;

function browserOf(userAgent: string): string | null {
  return firstMatch(browsers, userAgent);
}

function systemOf(userAgent: string): string | null {
  return firstMatch(systems, userAgent);
}

/** An address as people write it: an IPv4 client seen on an IPv6 socket loses its `::ffff:` prefix. */
export function describeAddress(ip: string | null): string {
  if (!ip) return 'Unknown address';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
