export * from './chat.js';
export * from './completions.js';
export * from './embeddings.js';
export * from './error.js';
export * from './generation.js';
export * from './keys.js';
export * from './models.js';
export * from './pricing.js';
