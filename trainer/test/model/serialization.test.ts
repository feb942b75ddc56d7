import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/model/index.js';
import { maxAbsDiff, randomInput, smallConfig } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

t.before(async () => {
  await cpuBackend();
});

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('nothing saved');
  // through JSON text, as on disk
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: saved.weightSpecs, weightData: saved.weightData }));
}

for (const [variant, lstm] of [['lite', false], ['lite', true], ['amft', false], ['amft', true]] as const) {
  t.test(`${variant}${lstm ? '+lstm' : ''}: save and load give identical outputs`, async (t) => {
    const cfg = smallConfig(variant, lstm);
    const model = buildModel(cfg);
    const loaded = await roundTrip(model);
    t.same(loaded.layers.map((l) => l.getClassName()), model.layers.map((l) => l.getClassName()));
    const x = randomInput(cfg, 2, lstm ? 2 : undefined, 7);
    const a = [model.predict(x)].flat() as tf.Tensor[];
    const b = [loaded.predict(x)].flat() as tf.Tensor[];
    t.equal(a.length, b.length);
    a.forEach((ai, i) => t.equal(maxAbsDiff(ai, b[i]), 0, `output ${i} identical`));
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    loaded.dispose();
  });
}
