export * from './chat.js';
export * from './error.js';
export * from './generation.js';
export * from './keys.js';
export * from './models.js';
export * from './pricing.js';
