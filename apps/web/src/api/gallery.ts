import type { GalleryImageDetail, GalleryPage } from '@atelier/contract';
import { appConfig } from '../config';
import { http } from './http';

const base = (id: number) => `/gallery/images/${id}`;

export const galleryApi = {
  list: (cursor: string | null, limit: number) => {
    const search = new URLSearchParams({ limit: String(limit) });
    if (cursor) search.set('cursor', cursor);
    return http.get<GalleryPage>(`/gallery/images?${search.toString()}`);
  },
  get: (id: number) => http.get<GalleryImageDetail>(base(id)),
  remove: (id: number) => http.delete<void>(base(id)),
};

/** URLs the browser loads directly (`<img src>`, download links): the cookies authenticate them. */
export const galleryUrls = {
  thumbnail: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/thumbnail`,
  file: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/file`,
  download: (id: number) => `${appConfig.apiBaseUrl}${base(id)}/file?download=1`,
};
