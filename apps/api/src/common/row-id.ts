/**
 * The largest row id on either engine: identity columns are `integer` (int4) on Postgres, where binding a
 * larger number is an out-of-range error (a 500) while SQLite just finds nothing. Ids from clients are
 * checked against it (route ids, id lists, cursors).
 */
export const maxRowId = 2 ** 31 - 1;
