import {
  comfyImageTypes,
  type ComfyImageRef,
  type ComfyImageType,
  type FieldErrors,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../http/app-error.js';
import { ComfyService } from './comfy.service.js';
import { isComfyImageType } from './job-views.js';

/** What the browser may receive: raster images only. HTML or SVG from ComfyUI would run as our origin. */
const allowedContentTypes: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
]);
const passedHeaders = ['content-length', 'etag', 'last-modified'] as const;

/**
 * Every spelling of a path segment that could escape the type directory: the value itself, its
 * percent-decodings (double encoding: `%252e%252e`), and its NFKC form (full-width dots and slashes).
 * Returns why it is refused, or null.
 */
export function unsafePathReason(value: string, kind: 'filename' | 'subfolder'): string | null {
  const variants = new Set<string>([value]);
  let current = value;
  for (let round = 0; round < 3 && /%[0-9a-fA-F]{2}/.test(current); round++) {
    try {
      current = decodeURIComponent(current);
    } catch {
      return 'contains malformed percent-encoding';
    }
    variants.add(current);
  }
  for (const variant of [...variants]) variants.add(variant.normalize('NFKC'));
  for (const variant of variants) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(variant)) return 'contains a control character';
    if (variant.includes('\\')) return 'contains a backslash';
    if (variant.includes('..')) return 'contains ".."';
    if (variant.startsWith('/') || /^[A-Za-z]:/.test(variant)) return 'is an absolute path';
    if (kind === 'filename' && variant.includes('/')) return 'contains "/" (use subfolder)';
    if (kind === 'subfolder' && variant.split('/').some((part) => part === '.')) return 'contains "."';
  }
  return null;
}

const viewQueryKeys: ReadonlySet<string> = new Set(['filename', 'subfolder', 'type']);
const limits = { filename: 255, subfolder: 1024 } as const;

/**
 * The query of GET /api/comfy/view as a checked image reference; 400 for anything that could leave
 * ComfyUI's image folders. Checked by hand rather than by a class-validator DTO: this is the gallery's
 * hottest route, and the DTO cost more than the rest of the request's own work (`pnpm bench`).
 */
export function parseViewQuery(query: Record<string, unknown>): ComfyImageRef {
  const errors: FieldErrors = {};
  for (const key of Object.keys(query)) {
    if (!viewQueryKeys.has(key)) errors[key] = ['is not a parameter of this route'];
  }
  const text = (key: 'filename' | 'subfolder', value: unknown, required: boolean): string => {
    if (value === undefined && !required) return '';
    if (typeof value !== 'string') errors[key] = ['must be given once, as text'];
    else if (value === '' && required) errors[key] = ['must not be empty'];
    else if (value.length > limits[key]) errors[key] = [`must be at most ${limits[key]} characters`];
    else {
      const problem = value === '' ? null : unsafePathReason(value, key);
      if (problem) errors[key] = [problem];
      return value;
    }
    return '';
  };
  const filename = text('filename', query.filename, true);
  const subfolder = text('subfolder', query.subfolder, false);
  const type = query.type ?? 'output';
  if (typeof type !== 'string' || !isComfyImageType(type)) {
    errors.type = [`must be one of ${comfyImageTypes.join(', ')}`];
  }
  if (Object.keys(errors).length > 0) {
    throw new AppError('validation_failed', 'The image reference is not allowed', errors);
  }
  return { filename, subfolder, type: type as ComfyImageType };
}

/**
 * Streams one image from ComfyUI's /view to the browser without buffering it. ComfyUI's URL never
 * appears in the answer; only raster image types pass, with nosniff and a sandboxing CSP.
 */
@Injectable()
export class ViewProxy {
  constructor(private readonly comfy: ComfyService) {}

  async send(ref: ComfyImageRef, response: Response): Promise<void> {
    const upstream = await this.comfy.require().view.open(ref);
    const mediaType = mediaTypeOf(upstream.headers['content-type']);
    if (!allowedContentTypes.has(mediaType)) {
      upstream.destroy();
      throw new AppError('comfy.upstream_error', 'ComfyUI answered with something that is not an image', {
        content_type: mediaType,
      });
    }
    response.status(200);
    response.setHeader('Content-Type', mediaType);
    for (const name of passedHeaders) {
      const value = upstream.headers[name];
      if (typeof value === 'string') response.setHeader(name, value);
    }
    response.setHeader('Cache-Control', 'private, max-age=3600');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
    try {
      await pipeline(upstream, response);
    } catch {
      // The browser went away, or ComfyUI broke off mid-image: the status is sent, nothing left to answer.
      response.destroy();
    }
  }

  /** The whole image in memory (for the gallery's ingest-from-job), at most `maxBytes`. */
  async fetch(ref: ComfyImageRef, maxBytes: number): Promise<Buffer> {
    const upstream = await this.comfy.require().view.open(ref);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of upstream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        upstream.destroy();
        throw new AppError('payload_too_large', `The image is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
