import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { FileImageStore } from './file-image-store.js';
import { imageKey, thumbnailKey } from './image-store.js';
import { isCode } from './image-files.js';

describe('FileImageStore', () => {
  let root: string;
  let store: FileImageStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'atelier-store-'));
    store = new FileImageStore(loadConfig({ ATELIER_ROOT_DIR: root }));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes atomically into the area folder (no temp file left) and reads back whole, by range and by position', async () => {
    const key = imageKey('2026-12-05/abc.png');
    await store.write(key, '0123456789');
    expect(await readdir(join(root, 'generated/comfy/2026-12-05'))).toEqual(['abc.png']);
    expect((await store.read(key)).toString()).toBe('0123456789');
    expect(await text(await store.stream(key))).toBe('0123456789');
    expect(await text(await store.stream(key, { start: 2, end: 4 }))).toBe('234');
    const reader = await store.open(key);
    try {
      const buffer = Buffer.alloc(4);
      expect(await reader.read(buffer, 4, 7)).toBe(3);
      expect(buffer.subarray(0, 3).toString()).toBe('789');
      expect(await reader.size()).toBe(10);
    } finally {
      await reader.close();
    }
    expect(await store.stat(key)).toMatchObject({ size: 10, modifiedAt: expect.any(Date) });
    expect(store.localPath(key)).toBe(join(root, 'generated/comfy/2026-12-05/abc.png'));
  });

  it('keeps thumbnails apart, lists an area without temp files, and removes what it is asked to', async () => {
    await store.write(imageKey('2026-12-05/a.png'), 'a');
    await store.write(imageKey('2026-12-06/b.png'), 'b');
    await store.write(thumbnailKey('a.webp'), 'ta');
    await writeFile(join(root, 'generated/comfy/2026-12-06/.b.png.0123456789ab.tmp'), 'partial');
    const listed = async (area: 'images' | 'thumbnails', prefix?: string) => {
      const paths: string[] = [];
      for await (const path of store.list(area, prefix)) paths.push(path);
      return paths.sort();
    };
    expect(await listed('images')).toEqual(['2026-12-05/a.png', '2026-12-06/b.png']);
    expect(await listed('images', '2026-12-06/')).toEqual(['2026-12-06/b.png']);
    expect(await listed('thumbnails')).toEqual(['a.webp']);
    expect(await store.exists(thumbnailKey('a.webp'))).toBe(true);
    expect(await store.exists(imageKey('a.webp'))).toBe(false);

    await store.remove([imageKey('2026-12-05/a.png'), imageKey('2026-12-05/never-there.png')]);
    expect(await listed('images')).toEqual(['2026-12-06/b.png']);
    expect(await store.stat(imageKey('2026-12-05/a.png'))).toBeNull();
  });

  it('rejects a missing file with ENOENT and refuses a path that leaves its area', async () => {
    const missing = imageKey('2026-12-05/none.png');
    for (const attempt of [
      () => store.read(missing),
      () => store.stream(missing),
      () => store.open(missing),
    ]) {
      const error = await attempt().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(isCode(error, 'ENOENT')).toBe(true);
    }
    await expect(store.read(imageKey('../thumbnails/a.webp'))).rejects.toThrow(/outside/);
    await expect(store.write(thumbnailKey('/etc/passwd'), 'x')).rejects.toThrow(/outside/);
  });
});
