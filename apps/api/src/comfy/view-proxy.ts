import {
  comfyImageTypes,
  type AuthUser,
  type ComfyImageRef,
  type ComfyImageType,
  type FieldErrors,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../common/app-error.js';
import { ComfyPool } from './backends/comfy-pool.js';
import type { ComfyWiring } from './comfy.service.js';
import { ImageAccess } from './image-access.js';
import { isComfyImageType } from './job-views.js';
import { ViewCache, type CachedImage } from './view-cache.js';
import { noSuchImage } from './view-upstream.js';

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

const viewQueryKeys: ReadonlySet<string> = new Set(['filename', 'subfolder', 'type', 'backend']);
/** A backend id as refs carry it: a positive integer, one spelling only. */
const backendIdPattern = /^[1-9]\d{0,8}$/;
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
  const backend = query.backend;
  if (backend !== undefined && (typeof backend !== 'string' || !backendIdPattern.test(backend))) {
    errors.backend = ['must be a backend id (a positive integer), given once'];
  }
  if (Object.keys(errors).length > 0) {
    throw new AppError('validation_failed', 'The image reference is not allowed', errors);
  }
  const ref: ComfyImageRef = { filename, subfolder, type: type as ComfyImageType };
  if (typeof backend === 'string') ref.backend = Number(backend);
  return ref;
}

/**
 * Streams one image from ComfyUI's /view to the browser, from the backend the ref names (absent: the
 * default; output names repeat across servers). ComfyUI's URL never appears in the answer;
 * only raster image types pass, with nosniff and a sandboxing CSP. Images ComfyUI sent with an ETag are
 * kept in the wiring's `ViewCache`, and every later view asks ComfyUI `If-None-Match` first: on its 304
 * the kept bytes are sent, so ComfyUI stays the source of truth but does not send (nor we copy) them again.
 */
@Injectable()
export class ViewProxy {
  constructor(
    private readonly pool: ComfyPool,
    private readonly access: ImageAccess,
  ) {}

  /** Only an image the user may see (ImageAccess); any other is the same 404 as a file ComfyUI lacks. */
  async send(user: AuthUser, ref: ComfyImageRef, response: Response): Promise<void> {
    await this.access.assertMaySee(user, ref);
    const wiring = this.wiringFor(ref);
    const cache = wiring.viewCache;
    const key = ViewCache.key(ref);
    const cached = cache.get(key);
    const browserHeader = response.req.headers['if-none-match'];
    const browserTags = parseEtagList(browserHeader);
    // Our copy's validator when we hold one; else the browser's own, so its copy can be confirmed too.
    const condition = cached?.etag ?? (browserTags.length > 0 ? browserHeader : undefined);
    let upstream: IncomingMessage;
    try {
      upstream = await wiring.view.open(ref, condition);
    } catch (error) {
      // Gone (or now refused) upstream: the copy must not outlive the file. Outages keep it, unserved.
      if (error instanceof AppError && (error.code === 'not_found' || error.code === 'validation_failed'))
        cache.delete(key);
      throw error;
    }

    if (upstream.statusCode === 304) {
      if (cached) {
        if (etagMatches(browserTags, cached.etag)) return notModified(response, cached);
        return sendCached(response, cached);
      }
      // Nothing kept here (cache off or evicted): ComfyUI confirmed the browser's copy itself.
      return notModified(response, {
        etag: headerText(upstream.headers.etag) ?? '',
        lastModified: headerText(upstream.headers['last-modified']),
      });
    }

    const mediaType = mediaTypeOf(upstream.headers['content-type']);
    if (!allowedContentTypes.has(mediaType)) {
      upstream.destroy();
      cache.delete(key);
      throw new AppError('comfy.upstream_error', 'ComfyUI answered with something that is not an image', {
        content_type: mediaType,
      });
    }
    const etag = headerText(upstream.headers.etag);
    const lastModified = headerText(upstream.headers['last-modified']);
    const length = contentLengthOf(upstream.headers['content-length']);
    const keep = etag !== undefined && cache.accepts(length);
    if (!keep) cache.delete(key);

    if (etag !== undefined && etagMatches(browserTags, etag)) {
      // The browser already has the current image: it gets a 304, the body still fills the cache.
      if (keep) void collect(upstream, cache.maxEntryBytes).then((body) => store(body));
      else upstream.destroy();
      return notModified(response, { etag, lastModified });
    }

    response.status(200);
    response.setHeader('Content-Type', mediaType);
    for (const name of passedHeaders) {
      const value = upstream.headers[name];
      if (typeof value === 'string') response.setHeader(name, value);
    }
    setSafetyHeaders(response);
    const captured = keep ? capture(upstream, cache.maxEntryBytes) : undefined;
    // The browser went away, or ComfyUI broke off mid-image: the status is sent, nothing left to answer.
    if (!(await relay(upstream, response))) return;
    if (captured) store(captured());

    function store(body: Buffer | null): void {
      // A body cut short or longer than announced is not the image ComfyUI described.
      if (body === null || etag === undefined || (length !== undefined && body.length !== length)) return;
      cache.set(key, { body, contentType: mediaType, etag, lastModified });
    }
  }

  /** The whole image in memory (for the gallery's ingest-from-job), at most `maxBytes`. */
  async fetch(ref: ComfyImageRef, maxBytes: number): Promise<Buffer> {
    const upstream = await this.wiringFor(ref).view.open(ref);
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

  /** The ref's backend: switched off is 503 as before; one that does not exist (any more) has no such image. */
  private wiringFor(ref: ComfyImageRef): ComfyWiring {
    if (ref.backend !== undefined && ref.backend !== this.pool.defaultId() && !this.pool.handle(ref.backend))
      throw noSuchImage();
    return this.pool.requireWiring(ref.backend);
  }
}

/**
 * Pipes ComfyUI's body to the browser with backpressure; true once the browser has had all of it. Either
 * side going away ends the other: a browser that leaves destroys the request to ComfyUI (its socket is not
 * handed back to the pool half-read), and a body ComfyUI breaks off breaks off the browser's response (its
 * Content-Length promised more). By hand rather than `stream.pipeline`, which builds an AbortController per
 * call and an AbortError (with its stack) at the end of every image: a few per cent of a cold view's CPU.
 */
function relay(upstream: IncomingMessage, response: Response): Promise<boolean> {
  return new Promise((resolve) => {
    if (response.destroyed) {
      upstream.destroy();
      resolve(false);
      return;
    }
    response.once('close', () => {
      if (response.writableFinished) return resolve(true);
      upstream.destroy();
      resolve(false);
    });
    upstream.once('close', () => {
      if (!upstream.complete) response.destroy();
    });
    // Each side's failure is seen as its premature close above.
    upstream.on('error', ignore);
    response.on('error', ignore);
    upstream.pipe(response);
  });
}

function ignore(): void {}

function setSafetyHeaders(response: Response): void {
  response.setHeader('Cache-Control', 'private, max-age=3600');
  setUntrustedImageHeaders(response);
}

/** Bytes ComfyUI made (views, sampler previews): never sniffed into another type, never run as a page. */
export function setUntrustedImageHeaders(response: Response): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Security-Policy', "sandbox; default-src 'none'");
}

function sendCached(response: Response, image: CachedImage): void {
  response.status(200);
  response.setHeader('Content-Type', image.contentType);
  response.setHeader('Content-Length', String(image.body.length));
  response.setHeader('ETag', image.etag);
  if (image.lastModified !== undefined) response.setHeader('Last-Modified', image.lastModified);
  setSafetyHeaders(response);
  response.end(image.body);
}

function notModified(
  response: Response,
  validators: { etag: string; lastModified?: string | undefined },
): void {
  response.status(304);
  if (validators.etag) response.setHeader('ETag', validators.etag);
  if (validators.lastModified !== undefined) response.setHeader('Last-Modified', validators.lastModified);
  setSafetyHeaders(response);
  response.end();
}

/** Copies the chunks as they pass to the browser; the result is null if the body outgrew `limit`. */
function capture(stream: IncomingMessage, limit: number): () => Buffer | null {
  const chunks: Buffer[] = [];
  let total = 0;
  const onData = (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) {
      chunks.length = 0;
      stream.off('data', onData);
      return;
    }
    chunks.push(chunk);
  };
  stream.on('data', onData);
  return () => (total > limit ? null : Buffer.concat(chunks, total));
}

/** Reads a body nobody else consumes (the browser got a 304); null if it outgrew `limit` or broke off. */
async function collect(stream: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        stream.destroy();
        return null;
      }
      chunks.push(chunk);
    }
  } catch {
    return null;
  }
  return Buffer.concat(chunks, total);
}

/** The entity tags of an If-None-Match header (`*` included), without their weak prefix. */
function parseEtagList(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .filter((tag) => tag !== '');
}

/** Weak comparison, as RFC 9110 prescribes for If-None-Match. */
function etagMatches(tags: readonly string[], etag: string): boolean {
  const bare = etag.replace(/^W\//, '');
  return tags.some((tag) => tag === '*' || tag === bare);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function contentLengthOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
