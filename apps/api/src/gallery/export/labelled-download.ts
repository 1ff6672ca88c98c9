import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../common/app-error.js';
import type { ImageFile } from '../gallery.service.js';
import { isCode } from '../image-files.js';
import { immutableCache, sendImageFile } from '../send-image.js';
import { UnlabellableImageError, type CopyPlan } from './copy-plan.js';
import { copyByPlan, OpenFiles, readAtHandle } from './export-files.js';
import { planLabelledCopy } from './label-plan.js';

const logger = new Logger('LabelledDownload');

/**
 * GET /api/gallery/images/:id/file?download=1: the copy a user takes away carries the AI-content label,
 * as exports do. Its plan reads the file's head only, then the copy streams. It is another
 * representation than the original (its own ETag, no ranges: a resumed download starts again);
 * viewing inline keeps the original with ranges. A file that cannot be labelled goes out as it is,
 * unless `redact` (a share link's copy, inline or attached): then it is re-encoded, never sent with its prompt.
 */
export async function sendLabelledDownload(
  res: Response,
  file: ImageFile,
  redact = false,
  cacheControl = immutableCache,
): Promise<void> {
  const files = new OpenFiles(file.stored.store);
  let plan: CopyPlan;
  try {
    const handle = await files.open(file.stored.key);
    try {
      plan = await planLabelledCopy(readAtHandle(handle), await handle.size(), file.mime, redact);
    } finally {
      await files.close(handle);
    }
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) {
      throw new AppError('gallery.not_found', 'The file of this image is missing');
    }
    if (!(error instanceof UnlabellableImageError)) throw error;
    if (redact) return sendReencoded(res, file, cacheControl);
    logger.warn(
      { err: error, file: file.filename },
      'Sent an image unlabelled: its headers cannot be rewritten',
    );
    return sendImageFile(res, file, cacheControl);
  }
  res.setHeader('Content-Type', file.mime);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', `${file.etag.slice(0, -1)}-${redact ? 'redacted' : 'labelled'}"`);
  res.setHeader(
    'Content-Disposition',
    `${file.download || !redact ? 'attachment' : 'inline'}; filename="${file.filename}"`,
  );
  res.setHeader('Accept-Ranges', 'none');
  if (res.req.fresh) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Length', String(plan.size));
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  res.once('close', () => void files.closeAll());
  try {
    await pipeline(Readable.from(copyByPlan(files, file.stored.key, plan, () => Promise.resolve(plan))), res);
  } catch (error) {
    if (isCode(error, 'ERR_STREAM_PREMATURE_CLOSE')) logger.debug('A client left a download before its end');
    else logger.warn({ err: error, file: file.filename }, 'A download stopped before its end');
    res.destroy();
  } finally {
    await files.closeAll();
  }
}

/** The pixels alone: sharp writes no metadata unless asked, so nothing of the original's headers survives. */
async function sendReencoded(res: Response, file: ImageFile, cacheControl: string): Promise<void> {
  res.setHeader('Content-Type', file.mime);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Made again at each request, never stored: a browser keeps it no longer than it may ask again.
  res.setHeader('Cache-Control', cacheControl === immutableCache ? 'private, no-cache' : cacheControl);
  res.setHeader('ETag', `${file.etag.slice(0, -1)}-reencoded"`);
  res.setHeader(
    'Content-Disposition',
    `${file.download ? 'attachment' : 'inline'}; filename="${file.filename}"`,
  );
  if (res.req.fresh) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const format = file.mime === 'image/png' ? 'png' : file.mime === 'image/jpeg' ? 'jpeg' : 'webp';
  const original = await file.stored.store.read(file.stored.key);
  const bytes = await sharp(original, { failOn: 'error' }).toFormat(format).toBuffer();
  res.setHeader('Content-Length', String(bytes.length));
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}
