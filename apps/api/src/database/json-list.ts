import type { Dialect } from './dialect.js';

/**
 * A subquery over one parameter holding a JSON array of integers: rows of `value` (the integer) and
 * `key` (its position, for ORDER BY). One statement text serves any number of ids (prepared once on
 * SQLite), where `IN (?, ?, …)` would be a new text per count. Bind `JSON.stringify(ids)`.
 */
export function jsonIntList(dialect: Dialect): string {
  return dialect === 'sqlite'
    ? `SELECT "value", "key" FROM json_each(?)`
    : `SELECT "e"."value"::int AS "value", "e"."key" FROM json_array_elements_text(?::json) WITH ORDINALITY AS "e"("value", "key")`;
}
