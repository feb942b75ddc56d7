/**
 * openapi.yaml as text: the document @fastify/swagger builds from the route schemas of a built
 * (not listening) app, as YAML under a header saying it is generated and how. Used by
 * `npm run openapi` (scripts/generate-openapi.ts) and by the test that fails when the committed
 * file is not what this gives.
 */
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';

export const OPENAPI_HEADER = [
  '# GENERATED FILE, do not edit: the route schemas in services/src/schemas/ are the contract.',
  '# Regenerate with `npm run openapi` (scripts/generate-openapi.ts); a test fails when this file differs.',
].join('\n');

export async function renderOpenApi(app: FastifyInstance): Promise<string> {
  await app.ready();
  // Long lines kept whole: the descriptions keep their own line breaks.
  return `${OPENAPI_HEADER}\n${YAML.stringify(app.swagger(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
