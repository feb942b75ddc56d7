import t from 'tap';
import { responseJsonSchema, serializerCompiler } from '../../src/http/serialize.js';
import { Expression, Face, PREDICT_EXAMPLE, PredictResponse, Readiness } from '../../src/schemas/index.js';

const example = PredictResponse.parse(PREDICT_EXAMPLE);
const face = example.results[0].faces[0];

t.test('a response goes out as JSON.stringify writes it: every field, in order, optional ones in place', async (t) => {
  const predict = serializerCompiler({ schema: PredictResponse });
  t.equal(predict(example), JSON.stringify(example));
  const { landmarks: _, ...noLandmarks } = face;
  const serialize = serializerCompiler({ schema: Face });
  t.equal(serialize(face), JSON.stringify(face), 'with landmarks (between score and expression)');
  t.equal(serialize(noLandmarks), JSON.stringify(noLandmarks), 'without them');
  const ready = { status: 'ready', model: 'm', provider: 'cpu', detectorProvider: 'cpu', warmupMs: 12 };
  t.equal(serializerCompiler({ schema: Readiness })(ready), JSON.stringify(ready));
});

t.test('a field the schema does not declare is not sent; a missing required one fails the response', async (t) => {
  const serialize = serializerCompiler({ schema: Face });
  t.same(JSON.parse(serialize({ ...face, secret: 'x' })), face, 'undeclared fields are left out: declare every field clients read');
  // An object whose fields are all required checks them (one with optional fields keeps its field
  // order instead; the tests' responses are checked against openapi.yaml, `required` included).
  const { probabilities: _, ...partial } = face.expression;
  t.throws(() => serializerCompiler({ schema: Expression })(partial), /probabilities/);
});

t.test('a nullable score goes out as a number or as null, with no anyOf left for ajv', async (t) => {
  const serialize = serializerCompiler({ schema: Face });
  t.equal(serialize({ ...face, score: 0.875 }), JSON.stringify({ ...face, score: 0.875 }), 'a detector score');
  t.equal(serialize({ ...face, score: null }), JSON.stringify({ ...face, score: null }), 'no detector (detect=never): null');
  const schema = JSON.stringify(responseJsonSchema(PredictResponse));
  t.notMatch(schema, /anyOf/, 'nullable scalars are type lists');
  t.match(schema, /"type":\["number","null"\]/);
});
