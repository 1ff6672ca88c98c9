import { createHash } from 'node:crypto';
import { posix } from 'node:path';

import { expect } from 'vitest';

import { dumpsPy, parsePyJson } from '../../src/py-json.js';
import type { ComfySim } from '../../src/types.js';
import { normalise, shape, type NormaliseOptions } from './compare.js';
import { transcript, type Json } from './transcripts.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Buffer;
  json: Json;
}

export interface CheckOptions {
  /** Also compare normalised values, not only shapes (default true). */
  exact?: boolean;
  /** For binary bodies: compare sha256 (default) or only the magic bytes. */
  binary?: 'sha' | 'magic';
  /** A body to send instead of the recorded one (multipart uploads record only a summary). */
  body?: { data: Buffer; contentType: string };
}

const HEADERS_COMPARED = ['content-type', 'content-disposition', 'accept-ranges', 'content-range'];
const HEADERS_PRESENT = ['etag', 'last-modified'];

/** The recording server's data folder, as its own argv shows it (recorded paths embed it). */
function recordedDataDir(): string {
  const argv = transcript('http/system_stats.json').response.json.system.argv as string[];
  const input = argv[argv.indexOf('--input-directory') + 1];
  if (!input?.startsWith('/')) throw new Error('system_stats.json: no --input-directory in argv');
  return posix.dirname(input);
}
const RECORDED_DATA_DIR = recordedDataDir();

/** Replays recorded HTTP exchanges against the simulator and compares the answers. */
export class Replayer {
  /** Recorded prompt ids / file names → the simulator's. */
  readonly map = new Map<string, string>();

  constructor(readonly sim: ComfySim) {}

  get norm(): NormaliseOptions {
    return { dataDirs: [RECORDED_DATA_DIR, this.sim.dataDir] };
  }

  subst(s: string): string {
    let out = s;
    for (const [from, to] of this.map) out = out.split(from).join(to);
    return out;
  }

  async send(request: Json, body?: { data: Buffer; contentType: string }): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((request.headers ?? {}) as Record<string, string>)) {
      // The recorded same-origin check used the recording server's own address.
      headers[k] = k.toLowerCase() === 'origin' && v === 'http://127.0.0.1:8190' ? this.sim.url : v;
    }
    let payload: Buffer | undefined;
    if (body) {
      payload = body.data;
      headers['Content-Type'] = body.contentType;
    } else if (request.body_json !== undefined) payload = Buffer.from(this.subst(dumpsPy(request.body_json)));
    else if (request.body_raw !== undefined) payload = Buffer.from(request.body_raw as string);
    const res = await fetch(this.sim.url + this.subst(request.path as string), {
      method: request.method as string,
      headers,
      body: payload,
      redirect: 'manual',
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    return {
      status: res.status,
      headers: res.headers,
      body: buf,
      json: type.startsWith('application/json') ? parsePyJson(buf.toString('utf8')) : undefined,
    };
  }

  /** Replays `file` and asserts status, headers that matter and the body. */
  async check(file: string, opts: CheckOptions = {}): Promise<HttpResult> {
    const t = transcript(file);
    const r = await this.send(t.request, opts.body);
    this.compare(file, t.response, r, opts);
    return r;
  }

  compare(file: string, expected: Json, r: HttpResult, opts: CheckOptions = {}): void {
    const where = `${file}: `;
    expect(r.status, where + 'status').toBe(expected.status);
    const recorded = new Map<string, string>(
      (expected.headers as [string, string][]).map(([k, v]) => [k.toLowerCase(), v]),
    );
    for (const h of HEADERS_COMPARED) {
      const ours = r.headers.get(h) ?? undefined;
      const theirs = recorded.get(h);
      expect(ours === undefined ? ours : normalise(ours, this.norm), where + h).toBe(
        theirs === undefined ? theirs : normalise(theirs, this.norm),
      );
    }
    for (const h of HEADERS_PRESENT) expect(r.headers.has(h), where + h).toBe(recorded.has(h));
    expect(r.headers.has('access-control-allow-origin'), where + 'CORS').toBe(
      recorded.has('access-control-allow-origin'),
    );
    if (recorded.get('connection') === 'close')
      expect(r.headers.get('connection'), where + 'connection').toBe('close');

    if (expected.json !== undefined) {
      expect(shape(r.json), where + 'body shape').toEqual(shape(expected.json));
      if (opts.exact !== false)
        expect(normalise(r.json, this.norm), where + 'body').toEqual(normalise(expected.json, this.norm));
    } else if (expected.text !== undefined) {
      expect(r.body.toString('utf8'), where + 'text').toBe(expected.text);
    } else if (expected.empty_body) {
      expect(r.body.length, where + 'empty body').toBe(0);
    } else if (expected.binary) {
      const b = expected.binary;
      expect(r.body.subarray(0, 4).toString('hex'), where + 'magic').toBe(
        (b.first_16_bytes_hex as string).slice(0, 8),
      );
      if ((opts.binary ?? 'sha') === 'sha') {
        expect(r.body.length, where + 'length').toBe(Number(b.length));
        expect(createHash('sha256').update(r.body).digest('hex'), where + 'sha256').toBe(b.sha256);
      }
    }
  }
}
