// The bundled default model (models/default) behind the real server on 127.0.0.1: a real photo,
// and real FER2013 validation crops, where /evaluate agrees with /predict image by image. That
// /evaluate reads and scores a set as `amft eval` does is train-serve-agreement.test.ts.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { LABELS, ModelMetadata } from '@amft/shared';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ferCrops, startTestServer } from '../../services/test/fixtures/helpers.js';
import { ASTRONAUT, HAVE_SHARED_DATA, SHARED_DATA_ABSENT } from '../shared-data.js';

const MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));
const HAVE_MODEL = existsSync(join(MODEL_DIR, 'model.onnx')) && existsSync(join(MODEL_DIR, 'metadata.json'));

t.test('the committed default model is a lite export under 20 MB with its model card', { skip: HAVE_MODEL ? false : 'models/default is absent' }, async (t) => {
  const metadata = ModelMetadata.parse(JSON.parse(readFileSync(join(MODEL_DIR, 'metadata.json'), 'utf8')));
  t.equal(metadata.variant, 'lite');
  t.same(metadata.labels, [...LABELS]);
  t.ok(readFileSync(join(MODEL_DIR, 'model.onnx')).length < 20e6);
  t.ok(metadata.metrics.length > 0, 'validation metrics are recorded');
  const card = readFileSync(join(MODEL_DIR, 'MODEL_CARD.md'), 'utf8');
  t.match(card, /Accuracy \*\*\d+\.\d+%\*\*/);
});

t.test("the README's default-model figures are the model card's and the metadata's", { skip: HAVE_MODEL ? false : 'models/default is absent' }, async (t) => {
  const metadata = ModelMetadata.parse(JSON.parse(readFileSync(join(MODEL_DIR, 'metadata.json'), 'utf8')));
  const [val] = metadata.metrics;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const card = readFileSync(join(MODEL_DIR, 'MODEL_CARD.md'), 'utf8');
  t.ok(card.includes(`Accuracy **${pct(val.accuracy)}**, macro-F1 **${pct(val.macroF1!)}**`), `the card states ${pct(val.accuracy)}`);
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Default model'), readme.indexOf('\n## ', readme.indexOf('\n## Default model') + 1));
  t.ok(section.length > 0, 'the README has a "Default model" section');
  t.ok(section.includes(`**${pct(val.accuracy)}** accuracy, macro-F1 ${pct(val.macroF1!)}`), `the README states ${pct(val.accuracy)} and macro-F1 ${pct(val.macroF1!)}`);
  if (metadata.calibration) t.ok(section.includes(metadata.calibration.temperature.toFixed(3)), 'and the temperature');
});

t.test('the default model behind the real server', { skip: !HAVE_MODEL ? 'models/default is absent' : !HAVE_SHARED_DATA ? SHARED_DATA_ABSENT : false }, async (t) => {
  const server = await startTestServer({ modelDir: MODEL_DIR });
  t.teardown(() => server.close());
  const { client } = server;

  t.test('astronaut.png: one face, labeled happy', async (t) => {
    const r = await client.postFiles('/predict', [['image', 'astronaut.png', readFileSync(ASTRONAUT), 'image/png']]);
    t.equal(r.status, 200);
    const [result] = r.body.results;
    t.equal(result.faces.length, 1, 'exactly one face');
    const face = result.faces[0];
    t.ok(face.box.width > 60 && face.box.width < 400, `plausible box ${JSON.stringify(face.box)}`);
    t.equal(face.expression.label, 'happy', `probabilities ${JSON.stringify(face.expression.probabilities)}`);
  });

  t.test('FER2013 validation crops with detect=never: /evaluate matches /predict and beats chance', async (t) => {
    const files: [string, string, Uint8Array, string][] = [];
    const rows = ['path,label'];
    for (const label of LABELS) {
      for (const crop of ferCrops(label, 6)) {
        files.push(['images', crop.name, crop.data, 'image/jpeg']);
        rows.push(`${crop.name},${label}`);
      }
    }
    const labels: string[] = [];
    for (let i = 0; i < files.length; i += 14) {
      // /predict takes up to 16 files per request by default
      const predicted = await client.postFiles('/predict?detect=never', files.slice(i, i + 14));
      t.equal(predicted.status, 200);
      labels.push(...predicted.body.results.map((r: { faces: Array<{ expression: { label: string } }> }) => r.faces[0].expression.label));
    }
    const truth = rows.slice(1).map((row) => row.split(',')[1]);
    const correct = labels.filter((l, i) => l === truth[i]).length;

    const evaluated = await client.postFiles('/evaluate', [['csv', 'labels.csv', new TextEncoder().encode(rows.join('\n')), 'text/csv'], ...files]);
    t.equal(evaluated.status, 200);
    t.equal(evaluated.body.count, files.length);
    t.equal(evaluated.body.accuracy, correct / files.length, '/evaluate agrees with /predict');
    t.ok(evaluated.body.accuracy > 2 / LABELS.length, `accuracy ${evaluated.body.accuracy} is well above chance (1/7)`);
  });
});
