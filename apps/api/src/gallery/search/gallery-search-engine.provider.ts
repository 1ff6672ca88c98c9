import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dialectOf } from '../../database/dialect.js';
import { Sql } from '../../database/sql.js';
import { GallerySearchEngine } from './gallery-search-engine.js';
import { PostgresGallerySearch } from './postgres-gallery-search.js';
import { SqliteGallerySearch } from './sqlite-gallery-search.js';

/**
 * The search engine of the configured database: FTS5 on SQLite (embedded), tsvector + GIN on Postgres
 * (scale-out mode). Both answer the same query syntax alike (test/services/gallery-search-pg.spec.ts).
 */
export const gallerySearchEngineProvider: Provider = {
  provide: GallerySearchEngine,
  inject: [DataSource, Sql],
  useFactory: (dataSource: DataSource, sql: Sql): GallerySearchEngine =>
    dialectOf(dataSource) === 'postgres' ? new PostgresGallerySearch(sql) : new SqliteGallerySearch(sql),
};
