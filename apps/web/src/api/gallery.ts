import type {
  BulkRequest,
  BulkResponse,
  ExportBuildCreated,
  ExportBuildView,
  ExportOptions,
  GalleryComparison,
  GalleryFacets,
  GalleryFilters,
  GalleryImageDetail,
  GalleryImagePatch,
  GalleryLineage,
  GallerySelection,
  GallerySearchPage,
  GallerySearchQuery,
  GallerySimilar,
  GalleryValueKind,
  GalleryValues,
  KeepRequest,
  KeepResponse,
} from '@atelier/contract';
import { appConfig } from '../config';
import { selectionParams } from '../domain/gallery-pick';
import { searchParamsOf } from '../domain/gallery-route-query';
import { http } from './http';

const base = (id: number) => `/gallery/images/${id}`;
const withQuery = (path: string, params: URLSearchParams) => {
  const text = params.toString();
  return text ? `${path}?${text}` : path;
};

export const galleryApi = {
  /** One page of a search (no filters: the newest images). */
  search: (query: GallerySearchQuery, signal?: AbortSignal) =>
    http.get<GallerySearchPage>(withQuery('/gallery/images', searchParamsOf(query)), { signal }),
  list: (cursor: string | null, limit: number) =>
    galleryApi.search({ limit, ...(cursor ? { cursor } : {}), stacks: false }),
  facets: (filters: GalleryFilters, signal?: AbortSignal) =>
    http.get<GalleryFacets>(withQuery('/gallery/facets', searchParamsOf(filters)), { signal }),
  compare: (ids: readonly number[]) =>
    http.get<GalleryComparison>(`/gallery/compare?ids=${ids.map(String).join(',')}`),
  /** The image it was made from and the images made from it (as far as this user may see them). */
  lineage: (id: number) => http.get<GalleryLineage>(`${base(id)}/lineage`),
  similar: (id: number, limit: number) =>
    http.get<GallerySimilar>(`${base(id)}/similar?limit=${String(limit)}`),
  values: (kind: GalleryValueKind, prefix: string, limit: number, signal?: AbortSignal) =>
    http.get<GalleryValues>(
      withQuery('/gallery/values', new URLSearchParams({ kind, prefix, limit: String(limit) })),
      { signal },
    ),
  get: (id: number) => http.get<GalleryImageDetail>(base(id)),
  /** The original bytes (e.g. to use an image as Generate's input). */
  file: (id: number, signal?: AbortSignal) => http.blob(`${base(id)}/file`, { signal }),
  patch: (id: number, body: GalleryImagePatch) => http.patch<GalleryImageDetail>(base(id), body),
  remove: (id: number) => http.delete<void>(base(id)),
  restore: (id: number) => http.post<void>(`${base(id)}/restore`),
  bulk: (body: BulkRequest) => http.post<BulkResponse>('/gallery/bulk', body),
  keep: (body: KeepRequest) => http.post<KeepResponse>('/gallery/keep', body),
  /** The export's response itself (headers first, the body still streaming), with the session. */
  exportZip: (selection: GallerySelection, options: ExportOptions, signal?: AbortSignal) =>
    http.response(exportPath(selection, options), { accept: 'application/zip', signal }),
  /** ZIP exports built in the background (large selections): queue, poll, cancel (galleryUrls.exportBuild: the file). */
  exportBuilds: {
    create: (body: Record<string, unknown>) => http.post<ExportBuildCreated>('/gallery/exports', body),
    get: (id: string, signal?: AbortSignal) =>
      http.get<ExportBuildView>(`/gallery/exports/${encodeURIComponent(id)}`, { signal }),
    remove: (id: string) => http.delete<void>(`/gallery/exports/${encodeURIComponent(id)}`),
  },
};

/** GET /gallery/export.zip with the selection's parameters (ids, or the search) and the options. */
export function exportPath(selection: GallerySelection, { sidecars, redact }: ExportOptions): string {
  const params = selectionParams(selection);
  if (sidecars) params.set('sidecars', '1');
  if (redact) params.set('redact', '1');
  return withQuery('/gallery/export.zip', params);
}

/** URLs the browser loads directly (`<img src>`, download links): the cookies authenticate them. */
export const galleryUrls = {
  thumbnail: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/thumbnail`,
  file: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/file`,
  /** A built export: the browser downloads it itself (its own progress, no copy held in the page). */
  exportBuild: (id: string) => `${appConfig.apiBaseUrl}/gallery/exports/${encodeURIComponent(id)}/download`,
  download: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/file?download=1`,
};
