/**
 * Weight-only quantization (the --quantize stretch goal): float16 conversion bits, and the
 * quantized lite models against the float32 export on the same inputs.
 */
import t from 'tap';
import { buildModel } from '../../src/model/index.js';
import { exportToOnnx, quantizeWeights, toHalfBits } from '../../src/export/index.js';
import { randomInput, smallConfig } from '../model/helpers.js';
import { argmaxRows, maxAbsDiff, openSession, randomizeWeights, runSession, structureProblems } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

/** Max |logits(quantized) - logits(float32)| allowed, per mode (lite, random weights). */
const TOLERANCE = { fp16: 5e-3, int8: 5e-2 } as const;

t.before(async () => {
  await cpuBackend();
});

t.test('float16 bits: rounding to nearest even, subnormals, overflow, specials', async (t) => {
  t.equal(toHalfBits(1), 0x3c00);
  t.equal(toHalfBits(-2), 0xc000);
  t.equal(toHalfBits(65504), 0x7bff);
  t.equal(toHalfBits(1e6), 0x7c00, 'overflow is inf');
  t.equal(toHalfBits(0.1), 0x2e66);
  t.equal(toHalfBits(1 + 2 ** -11), 0x3c00, 'a tie rounds to even (down)');
  t.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  t.equal(toHalfBits(2 ** -24), 0x0001, 'smallest subnormal');
  t.equal(toHalfBits(1e-9), 0, 'underflow is zero');
  t.equal(toHalfBits(Number.NaN) & 0x7c00, 0x7c00);
  t.equal(toHalfBits(-0), 0x8000);
});

for (const lstm of [false, true]) {
  t.test(`lite${lstm ? '+lstm' : ''}: fp16 and int8 weights stay close to the float32 export`, async (t) => {
    const cfg = smallConfig('lite', lstm);
    const model = buildModel(cfg);
    randomizeWeights(model, 21, randomInput(cfg, lstm ? 1 : 2, lstm ? 2 : undefined, 21));
    const { bytes } = exportToOnnx(model, cfg);
    const input = lstm ? 'frames' : 'input';
    const x = randomInput(cfg, 4, lstm ? 3 : undefined, 22);
    const base = await runSession(await openSession(bytes), input, x);
    for (const mode of ['fp16', 'int8'] as const) {
      const q = quantizeWeights(bytes, mode);
      for (const [what, problems] of Object.entries(structureProblems(q.bytes))) t.same(problems, [], `${mode}: ${what}`);
      t.ok(q.bytes.length < bytes.length / (mode === 'fp16' ? 1.8 : 3.5), `${mode}: ${bytes.length} -> ${q.bytes.length} bytes`);
      const out = await runSession(await openSession(q.bytes), input, x);
      const d = maxAbsDiff(base.logits.data, out.logits.data);
      t.ok(d <= TOLERANCE[mode], `${mode}: max |logits diff| vs float32 = ${d.toExponential(2)} <= ${TOLERANCE[mode]}`);
      t.same(argmaxRows(out.logits.data, 7), argmaxRows(base.logits.data, 7), `${mode}: same argmax`);
    }
    model.dispose();
  });
}
