export * from './labels.js';
export * from './preprocessing.js';
export * from './metadata.js';
export * from './metrics.js';
export * from './image/gray.js';
