import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../common/app-error.js';
import type { ImageFile } from './gallery.service.js';
import { isCode } from './image-files.js';

const fileHeaders = ['Content-Type', 'Cache-Control', 'ETag', 'Content-Disposition'];

/** Content-addressed, and ids are never reused: the bytes behind a gallery URL never change. */
export const immutableCache = 'private, max-age=31536000, immutable';
/**
 * Asked again at each use, answered 304 from the ETag while allowed: what a share link's bytes use, so a
 * browser stops showing them once the link is revoked (404) or expired (410) rather than from its cache.
 */
export const revalidateCache = 'private, no-cache';

/**
 * Streams an image file with `send` (Range, HEAD, backpressure, aborted clients) when its store keeps it
 * on this machine's disk, else from the store's stream (sendStored). Our ETag is set before it runs, and
 * `send` answers 304 to a matching If-None-Match from that header.
 */
export function sendImageFile(res: Response, file: ImageFile, cacheControl = immutableCache): Promise<void> {
  res.setHeader('Content-Type', file.mime);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', file.etag);
  res.setHeader(
    'Content-Disposition',
    `${file.download ? 'attachment' : 'inline'}; filename="${file.filename}"`,
  );
  // Ranges and preconditions (If-Match, If-Unmodified-Since) on a thumbnail are rare: left to `send`.
  const { range, 'if-match': ifMatch, 'if-unmodified-since': ifUnmodifiedSince } = res.req.headers;
  if (file.bytes && range === undefined && ifMatch === undefined && ifUnmodifiedSince === undefined) {
    sendBytes(res, file.bytes);
    return Promise.resolve();
  }
  const path = file.stored.store.localPath(file.stored.key);
  if (path === null) return sendStored(res, file);
  return new Promise((resolve, reject) => {
    res.sendFile(
      path,
      { etag: false, lastModified: false, cacheControl: false, dotfiles: 'allow' },
      (error?: Error) => {
        if (!error || res.headersSent) return resolve();
        reject(failure(res, error));
      },
    );
  });
}

/** The error body must not go out as a cacheable image; a missing file is the contract's 404. */
function failure(res: Response, error: unknown): Error {
  for (const name of fileHeaders) res.removeHeader(name);
  if (isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR'))
    return new AppError('gallery.not_found', 'The file of this image is missing');
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What `send` does, for a store with no local files (object storage): 304 from the ETag, HEAD, one
 * `bytes=` range (206, or 416 past the end; several ranges or If-Range get the whole file), then the
 * store's stream piped with backpressure. An aborted client ends the stream.
 */
async function sendStored(res: Response, file: ImageFile): Promise<void> {
  const { store, key } = file.stored;
  res.setHeader('Accept-Ranges', 'bytes');
  if (res.req.fresh) {
    res.statusCode = 304;
    for (const name of ['Content-Type', 'Content-Disposition']) res.removeHeader(name);
    res.end();
    return;
  }
  const info = await store.stat(key);
  if (info === null) throw failure(res, Object.assign(new Error('missing'), { code: 'ENOENT' }));
  const { range: header, 'if-range': ifRange } = res.req.headers;
  const range = ifRange === undefined ? byteRange(header, info.size) : null;
  if (range === 'unsatisfiable') {
    for (const name of fileHeaders) res.removeHeader(name);
    res.statusCode = 416;
    res.setHeader('Content-Range', `bytes */${info.size}`);
    res.end();
    return;
  }
  if (range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
  }
  res.setHeader('Content-Length', range ? range.end - range.start + 1 : info.size);
  if (res.req.method === 'HEAD' || info.size === 0) {
    res.end();
    return;
  }
  let stream;
  try {
    stream = await store.stream(key, range ?? undefined);
  } catch (error) {
    throw failure(res, error);
  }
  try {
    await pipeline(stream, res);
  } catch {
    // The client left (or the store broke off): nothing more can be said on this response.
    res.destroy();
  }
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`; null for none (or one we do not serve). */
export function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  const [, from = '', to = ''] = match;
  if (from === '') {
    const suffix = Number(to);
    return suffix === 0 || size === 0
      ? 'unsatisfiable'
      : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return start >= size || start > end ? 'unsatisfiable' : { start, end };
}

/** What `send` answers for a whole file, from bytes in memory: 304 to a matching If-None-Match, HEAD without a body. */
function sendBytes(res: Response, bytes: Buffer): void {
  res.setHeader('Accept-Ranges', 'bytes');
  // req.fresh compares If-None-Match with the ETag set above (GET and HEAD only).
  if (res.req.fresh) {
    res.statusCode = 304;
    for (const name of ['Content-Type', 'Content-Disposition', 'Content-Length']) res.removeHeader(name);
    res.end();
    return;
  }
  res.setHeader('Content-Length', bytes.length);
  if (res.req.method === 'HEAD') res.end();
  else res.end(bytes);
}
