/**
 * openapi.yaml is generated from the route schemas (services/src/schemas/): regenerating it gives
 * the committed file, byte for byte; the routes answer what it says (fixtures/helpers.ts checks
 * every response of the tests against it), and /docs shows its examples.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { OPENAPI_HEADER, renderOpenApi } from '../src/openapi-document.js';
import { PredictResponse } from '../src/schemas/index.js';
import { REPO } from './fixtures/helpers.js';
import { makeModel } from './fixtures/make-model.js';

const committed = readFileSync(join(REPO, 'openapi.yaml'), 'utf8');

t.test('regenerating openapi.yaml gives no diff (npm run openapi)', async (t) => {
  // Another model than the one the file was generated with: the document does not depend on it.
  const app = await buildApp(loadConfig([], {}, { modelDir: makeModel().dir, warmup: false, workers: 0, threads: 1, logLevel: 'silent' }));
  t.teardown(() => app.close());
  const text = await renderOpenApi(app);
  t.ok(committed.startsWith(OPENAPI_HEADER), 'the file says it is generated, and by what command');
  t.equal(text, committed, 'openapi.yaml is what `npm run openapi` writes');
});

t.test('the document has examples: a /predict answer with one face, and an error', async (t) => {
  const doc = YAML.parse(committed);
  const example = doc.components.schemas.PredictResponse.examples[0];
  t.equal(example.results[0].faces.length, 1);
  t.ok(PredictResponse.safeParse(example).success, 'the example is a valid /predict answer');
  t.match(doc.components.schemas.Error.examples[0], { error: /^FER_ERR_/, message: String });
  t.same(doc.paths['/predict'].post.responses['200'].content['application/json'].example, example, 'the payload /docs shows for a /predict answer');
  t.same(doc.components.responses.Error.content['application/json'].example, doc.components.schemas.Error.examples[0], 'and for an error');
});
