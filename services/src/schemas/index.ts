/**
 * The API's contract: every route's query, params, bodies and responses per status, as zod
 * schemas. The routes validate and serialize with them (fastify-type-provider-zod), the API
 * document (openapi.yaml, `npm run openapi`) is generated from them, and the tests import them.
 */
export * from './common.js';
export * from './queries.js';
export * from './replies.js';
export * from './predict.js';
export * from './predict-sequence.js';
export * from './evaluate.js';
export * from './health.js';
export * from './model.js';
export * from './service.js';
export * from './v2.js';
