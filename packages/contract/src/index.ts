export * from './errors.js';
export * from './auth.js';
export * from './users.js';
export * from './config.js';
export * from './health.js';
