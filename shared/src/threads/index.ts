// Worker threads, both sides (client.ts: the main thread; serve.ts: the worker).
export * from './protocol.js';
export * from './client.js';
export * from './serve.js';
