import { makeZip } from 'client-zip';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../src/common/csv.js';
import { manifestHeader, manifestLine, type ManifestEntry } from '../src/gallery/export/manifest-csv.js';
import {
  imageEntryName,
  redactSidecar,
  sidecarEntryName,
  zipLength,
} from '../src/gallery/export/zip-entries.js';
import { parseCsv, readZip } from './gallery-export-kit.js';

const entry: ManifestEntry = {
  id: 7,
  file: '7-abcdef012345.png',
  bytes: 1234,
  originalSha256: 'f'.repeat(64),
  width: 1024,
  height: 768,
  owner: 'ana',
  createdAt: '2026-12-05T00:00:00.000Z',
  checkpoint: 'sd_xl_base_1.0.safetensors',
  seed: 42,
  positive: 'a castle, "golden hour"\nsecond line',
};

describe('manifest.csv', () => {
  it('quotes cells with quotes, commas and line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    for (const text of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=x', '\r=x']) {
      expect(csvCell(text).replace(/^"/, '').startsWith("'")).toBe(true);
    }
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
  });

  it('has the prompt column unless redacted, and parses back to the same values', () => {
    const text = manifestHeader(false) + manifestLine(entry, false);
    const [header, row] = parseCsv(text);
    expect(header?.at(-1)).toBe('positive_prompt');
    expect(row?.at(-1)).toBe(entry.positive);
    expect(row?.slice(0, 4)).toEqual(['7', entry.file, '1234', entry.originalSha256]);
    const redacted = parseCsv(manifestHeader(true) + manifestLine(entry, true));
    expect(redacted[0]).not.toContain('positive_prompt');
    expect(redacted[1]).toHaveLength(redacted[0]?.length ?? -1);
    expect(JSON.stringify(redacted)).not.toContain('castle');
  });
});

describe('ZIP entries', () => {
  it('names files by id and hash prefix only', () => {
    expect(imageEntryName(12, 'abcdef0123456789', 'webp')).toBe('12-abcdef012345.webp');
    expect(sidecarEntryName(12, 'abcdef0123456789')).toBe('12-abcdef012345.json');
  });

  it('predicts the exact length client-zip writes, STORED', async () => {
    const files = [
      { name: '1-aaaaaaaaaaaa.png', bytes: new Uint8Array(1000).fill(1) },
      { name: '2-bbbbbbbbbbbb.json', bytes: new Uint8Array(0) },
      { name: 'manifest.csv', bytes: new TextEncoder().encode('id\r\n1\r\n') },
    ];
    async function* inputs() {
      for (const file of files) {
        yield {
          name: file.name,
          size: file.bytes.length,
          lastModified: new Date(0),
          input: chunks(file.bytes),
        };
      }
    }
    const zip = Buffer.from(await new Response(makeZip(inputs())).arrayBuffer());
    expect(zip.length).toBe(zipLength(files.map((file) => ({ name: file.name, size: file.bytes.length }))));
    const entries = readZip(zip);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual(
      files.map((f) => [f.name, 0, f.bytes.length]),
    );
  });

  it('redacts a sidecar to its file record; refuses what is not a JSON object', () => {
    const sidecar = JSON.stringify({
      sha256: 'x',
      workflow: { a: 1 },
      params: { seed: 1 },
      metadata: { p: 'x' },
      file: {},
    });
    expect(JSON.parse(redactSidecar(sidecar) ?? 'null')).toEqual({ sha256: 'x', file: {} });
    expect(redactSidecar('not json')).toBeNull();
    expect(redactSidecar('[1]')).toBeNull();
  });
});

async function* chunks(bytes: Uint8Array) {
  yield bytes.subarray(0, 10);
  yield bytes.subarray(10);
}
