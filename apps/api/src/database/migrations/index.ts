import { InitialSchema1763700000000 } from './1763700000000-initial-schema.js';

/** Every migration, oldest first. Listed by hand: globs do not survive bundling or ESM loading. */
export const migrations = [InitialSchema1763700000000];
