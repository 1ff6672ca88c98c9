import { deflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { embeddedFormatOf, embeddedWorkflowOf } from '../src/index.js';

const workflow = { last_node_id: 1, nodes: [{ id: 1, type: 'KSampler' }], links: [] };
const prompt = { '3': { class_type: 'KSampler', inputs: { seed: 1 } } };

function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  // CRCs are not checked by the reader.
  return Buffer.concat([head, body, Buffer.alloc(4)]);
}

function png(...chunks: Buffer[]): Uint8Array {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
  return new Uint8Array(Buffer.concat([signature, ihdr, ...chunks, pngChunk('IEND', Buffer.alloc(0))]));
}

const tEXt = (key: string, text: string) => pngChunk('tEXt', Buffer.from(`${key}\0${text}`, 'latin1'));

/** A TIFF block with ASCII entries in IFD0, as PIL's Exif.tobytes writes it (with the "Exif\0\0" prefix). */
function tiff(entries: [number, string][], { little = true, prefix = true } = {}): Buffer {
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (little) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (little) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const header = Buffer.concat([Buffer.from(little ? 'II' : 'MM'), u16(42), u32(8)]);
  let dataOffset = 8 + 2 + entries.length * 12 + 4;
  const table: Buffer[] = [u16(entries.length)];
  const data: Buffer[] = [];
  for (const [tag, text] of entries) {
    const bytes = Buffer.from(`${text}\0`, 'latin1');
    const inline = bytes.length <= 4;
    table.push(u16(tag), u16(2), u32(bytes.length));
    if (inline) table.push(Buffer.concat([bytes, Buffer.alloc(4 - bytes.length)]));
    else {
      table.push(u32(dataOffset));
      data.push(bytes);
      dataOffset += bytes.length;
    }
  }
  table.push(u32(0));
  const block = Buffer.concat([header, ...table, ...data]);
  return prefix ? Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), block]) : block;
}

function riffChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function webp(...chunks: Buffer[]): Uint8Array {
  const body = Buffer.concat([Buffer.from('WEBP'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([head, body]));
}

const vp8x = riffChunk('VP8X', Buffer.alloc(10));
const frame = riffChunk('VP8L', Buffer.alloc(7, 1));

describe('embeddedWorkflowOf', () => {
  it('reads the workflow and prompt text chunks of a PNG (tEXt and zTXt)', () => {
    const zTXt = pngChunk(
      'zTXt',
      Buffer.concat([Buffer.from('prompt\0\0', 'latin1'), deflateSync(JSON.stringify(prompt))]),
    );
    const bytes = png(tEXt('workflow', JSON.stringify(workflow)), zTXt);
    expect(embeddedFormatOf(bytes)).toBe('png');
    expect(embeddedWorkflowOf(bytes)).toEqual({ workflow, prompt });
  });

  it("reads Python's NaN as null instead of losing the workflow", () => {
    const bytes = png(tEXt('prompt', '{"3": {"class_type": "KSampler", "inputs": {"cfg": NaN}}}'));
    expect(embeddedWorkflowOf(bytes)).toEqual({
      prompt: { '3': { class_type: 'KSampler', inputs: { cfg: null } } },
    });
  });

  it('reads the EXIF tags SaveAnimatedWEBP writes (workflow at 0x010F, prompt at 0x0110)', () => {
    const exif = tiff([
      [0x010f, `workflow:${JSON.stringify(workflow)}`],
      [0x0110, `prompt:${JSON.stringify(prompt)}`],
    ]);
    const bytes = webp(vp8x, frame, riffChunk('EXIF', exif));
    expect(embeddedFormatOf(bytes)).toBe('webp');
    expect(embeddedWorkflowOf(bytes)).toEqual({ workflow, prompt });
  });

  it('reads big-endian TIFF without the Exif prefix, and keys at other tags (extra_pnginfo counts down)', () => {
    const exif = tiff(
      [
        [0x010e, `workflow:${JSON.stringify(workflow)}`],
        [0x0131, 'abc'],
      ],
      { little: false, prefix: false },
    );
    expect(embeddedWorkflowOf(webp(riffChunk('EXIF', exif), frame))).toEqual({ workflow });
  });

  it('answers {} for files without a workflow, other formats and garbage', () => {
    const samples: Uint8Array[] = [
      png(tEXt('parameters', 'a cat, Steps: 20')),
      png(tEXt('workflow', '{not json')),
      webp(vp8x, frame),
      webp(riffChunk('EXIF', Buffer.from('Exif\0\0XX*\0'))),
      new Uint8Array(Buffer.from('{"nodes": []}')),
      new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0]),
      new Uint8Array(0),
    ];
    for (const bytes of samples) expect(embeddedWorkflowOf(bytes)).toEqual({});
    expect(embeddedWorkflowOf('not bytes' as unknown as Uint8Array)).toEqual({});
  });

  it('survives lying sizes and offsets: truncated chunks, IFD offsets past the end, huge counts', () => {
    const exif = tiff([[0x010f, `workflow:${JSON.stringify(workflow)}`]]);
    const full = webp(riffChunk('EXIF', exif));
    for (let cut = 0; cut < full.length; cut += 7) {
      const result = embeddedWorkflowOf(full.subarray(0, cut));
      expect(
        result.workflow === undefined || JSON.stringify(result.workflow) === JSON.stringify(workflow),
      ).toBe(true);
    }
    const lying = Buffer.from(exif);
    // IFD0 offset → past the end; then an entry count of 65535 with a value offset past the end.
    lying.writeUInt32LE(0xfffffff0, 6 + 4);
    expect(embeddedWorkflowOf(webp(riffChunk('EXIF', lying)))).toEqual({});
    const many = Buffer.from(exif);
    many.writeUInt16LE(0xffff, 6 + 8);
    many.writeUInt32LE(0xfffffff0, 6 + 8 + 2 + 8);
    expect(embeddedWorkflowOf(webp(riffChunk('EXIF', many)))).toEqual({});
    const chunkTooLong = Buffer.from(webp(riffChunk('EXIF', exif)));
    chunkTooLong.writeUInt32LE(0x7fffffff, 16);
    expect(embeddedWorkflowOf(new Uint8Array(chunkTooLong))).toEqual({});
  });
});
