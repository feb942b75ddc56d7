#!/usr/bin/env -S npx tsx
/**
 * Response serialization, per call, as ratios in one run: the /predict answer (1 image with 1
 * face, and 16 images with 1 face each) through the service's serializer (the zod schema as
 * JSON Schema, compiled by fast-json-stringify: http/serialize.ts), through the type provider's
 * own serializer (zod encode, then JSON.stringify) and through plain JSON.stringify.
 *
 *   npx tsx bench/serialize.ts
 */
import { serializerCompiler as typeProviderSerializer } from 'fastify-type-provider-zod';
import { serializerCompiler } from '../services/src/http/serialize.js';
import { PREDICT_EXAMPLE, PredictResponse } from '../services/src/schemas/index.js';

const example = PredictResponse.parse(PREDICT_EXAMPLE);
const bodies = { '1 image, 1 face': example, '16 images, 1 face each': { ...example, results: Array.from({ length: 16 }, () => example.results[0]) } };
const ours = serializerCompiler({ schema: PredictResponse });
const provider = typeProviderSerializer({ schema: PredictResponse, method: 'POST', url: '/predict' } as Parameters<typeof typeProviderSerializer>[0]) as (d: unknown) => string;

function perCall(f: (d: unknown) => string, body: unknown): number {
  for (let i = 0; i < 2000; i++) f(body);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(body);
  return ((performance.now() - t0) * 1000) / n;
}

for (const [name, body] of Object.entries(bodies)) {
  if (ours(body) !== JSON.stringify(body)) throw new Error(`${name}: the serializer's output differs from JSON.stringify`);
  const fjs = perCall(ours, body);
  const zod = perCall(provider, body);
  const json = perCall(JSON.stringify, body);
  console.log(`${name}: fast-json-stringify ${fjs.toFixed(2)} µs, zod encode + JSON.stringify ${zod.toFixed(2)} µs (${(zod / fjs).toFixed(1)}x), JSON.stringify ${json.toFixed(2)} µs (${(json / fjs).toFixed(1)}x)`);
}
