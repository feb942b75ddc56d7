export * from './config.js';
export * from './build-model.js';
export * from './summary.js';
export * as layers from './layers/index.js';
export { withSeededRandom, withDropoutStream, type DropoutStream } from './seeded-random.js';
