import * as tf from '@tensorflow/tfjs';
// Per-kernel profile of one training step of the lite model (batch 64) on wasm:
//   npx tsx bench/profile-step.ts
import { buildModel, resolveModelConfig } from '../trainer/src/model/index.js';
import { selectBackend } from '../trainer/src/backend/select-backend.js';
import { trainStep } from '../trainer/src/train/train-step.js';
await selectBackend('wasm');
const cfg = resolveModelConfig('lite');
const model = buildModel(cfg);
const opt = tf.train.adam(1e-3);
const B = 64;
const x = tf.randomNormal([B, 48, 48, 1]);
const y = tf.tensor1d(Array.from({ length: B }, (_, i) => i % 7), 'int32');
for (let i = 0; i < 2; i++) trainStep(model, opt, x, y, null);
let t0 = performance.now();
const N = 3;
for (let i = 0; i < N; i++) trainStep(model, opt, x, y, null);
const dt = (performance.now() - t0) / N;
console.log(`step ${dt.toFixed(0)} ms, ${(B / dt * 1000).toFixed(1)} img/s`);
// per-kernel timing via engine profile
const info = await tf.profile(() => { trainStep(model, opt, x, y, null); });
const agg = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const a = agg.get(k.name) ?? { ms: 0, n: 0 };
  a.ms += ms; a.n += 1; agg.set(k.name, a);
}
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
for (const [name, a] of rows) console.log(name.padEnd(32), a.ms.toFixed(1).padStart(8), 'ms', a.n);
// forward only
t0 = performance.now();
for (let i = 0; i < N; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
console.log(`forward ${((performance.now() - t0) / N).toFixed(0)} ms`);
const bm = info.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => JSON.stringify(k.inputShapes) + ' ' + (k.kernelTimeMs as number).toFixed(1));
console.log(bm.join('\n'));
const sl = info.kernels.filter((k) => k.name === 'Slice').slice(0, 5).map((k) => JSON.stringify(k.inputShapes) + '->' + JSON.stringify(k.outputShapes));
console.log(sl.join('\n'));
const ad = info.kernels.filter((k) => k.name === 'Add').slice(0, 5).map((k) => JSON.stringify(k.inputShapes) + '->' + JSON.stringify(k.outputShapes));
console.log(ad.join('\n'));
const seq = info.kernels.map((k) => k.name);
const i = seq.indexOf('Slice'); console.log(seq.slice(Math.max(0, i - 15), i + 5).join(' '));
