#!/usr/bin/env -S npx tsx
/**
 * Writes openapi.yaml from the route schemas (services/src/schemas/): builds the service's app on
 * models/default without listening or warming up, takes the document @fastify/swagger builds,
 * and writes it with a "generated" header.
 *
 *   npm run openapi            rewrite openapi.yaml
 *   npm run openapi -- --check exit 1 when openapi.yaml differs from what it would write
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../services/src/app.js';
import { loadConfig } from '../services/src/config.js';
import { renderOpenApi } from '../services/src/openapi-document.js';

const ROOT = new URL('..', import.meta.url).pathname;
const FILE = join(ROOT, 'openapi.yaml');

const app = await buildApp(loadConfig([], {}, { warmup: false, workers: 0, threads: 1, logLevel: 'silent' }));
try {
  const text = await renderOpenApi(app);
  if (process.argv.includes('--check')) {
    const now = await readFile(FILE, 'utf8');
    if (now !== text) {
      console.error('openapi.yaml is not what the route schemas give: run `npm run openapi`');
      process.exitCode = 1;
    }
  } else {
    await writeFile(FILE, text);
    console.log(`wrote ${FILE}`);
  }
} finally {
  await app.close();
}
