import type { ComfyImageRef, GalleryImage, GalleryImageDetail } from '@atelier/contract';
import type { ImageRecord, ImageSummaryRecord } from './images.repository.js';

/** Row → the contract shape; the only place that knows both. */
export function toGalleryImage({ image, createdByName }: ImageSummaryRecord): GalleryImage {
  const url = `/api/gallery/images/${image.id}`;
  return {
    id: image.id,
    sha256: image.sha256,
    mime: image.mime,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    prompt_id: image.promptId,
    created_at: image.createdAt,
    created_by: { id: image.createdBy, username: createdByName },
    file_url: `${url}/file`,
    thumbnail_url: `${url}/thumbnail`,
  };
}

/** The provenance part of an image's detail (the rest comes from the search index). */
export function toGalleryImageDetail(record: ImageRecord): Pick<GalleryImageDetail, 'provenance'> {
  const { image } = record;
  return {
    provenance: {
      prompt_id: image.promptId,
      params: parseObject(image.paramsJson),
      workflow: parseObject(image.workflowJson),
      metadata: parseObject(image.metadataJson) ?? {},
      source: parseObject(image.sourceJson) as ComfyImageRef | null,
    },
  };
}

/** JSON columns are written by us; a damaged one reads as absent rather than failing the request. */
export function parseObject(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
