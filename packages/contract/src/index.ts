export * from './errors.js';
export * from './auth.js';
export * from './users.js';
export * from './config.js';
export * from './health.js';
export * from './comfy.js';
export * from './gallery.js';
export * from './comfy-builder.js';
