import { ExportQueryDto } from './export.dto.js';

/**
 * POST /api/gallery/exports: the selection and options of GET /api/gallery/export.zip, as a JSON body
 * (ids as an array of numbers, or the same comma-separated text; the flags as booleans or words).
 * The same validation: the query DTO's transforms leave JSON values as given for its validators.
 */
export class ExportBuildBodyDto extends ExportQueryDto {}
