// Image decoding and colour conversion shared by the trainer and the service.
export * from './gray.js';
export * from './decode.js';
export * from './jpeg-header.js';
export * from './small-jpeg.js';
