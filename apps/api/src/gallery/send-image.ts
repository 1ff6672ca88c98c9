import type { Response } from 'express';
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
 * Streams an image file with `send` (Range, HEAD, backpressure, aborted clients). Our ETag is set
 * before it runs, and `send` answers 304 to a matching If-None-Match from that header.
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
  return new Promise((resolve, reject) => {
    res.sendFile(
      file.path,
      { etag: false, lastModified: false, cacheControl: false, dotfiles: 'allow' },
      (error?: Error) => {
        if (!error || res.headersSent) return resolve();
        // The error body must not go out as a cacheable image.
        for (const name of fileHeaders) res.removeHeader(name);
        reject(
          isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')
            ? new AppError('gallery.not_found', 'The file of this image is missing')
            : error,
        );
      },
    );
  });
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
