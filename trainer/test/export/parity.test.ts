/**
 * The proof of the exporter: for every variant, with and without the LSTM head, a model with
 * seeded random weights (batch-norm statistics, gamma and beta included, so the folding is
 * exercised) is exported, loaded in onnxruntime-node with graphOptimizationLevel 'all', and fed
 * the same inputs as TensorFlow.js (channels-last there, channels-first in ONNX). Logits (and frame
 * logits) must agree within LOGIT_TOLERANCE and give the same argmax on every sample; the graph
 * must use only default-domain opset-17 operators, read nothing undefined, and use every
 * initializer.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { LABELS, ModelMetadata, type Variant } from '@amft/shared';
import { pino } from 'pino';
import { selectBackend } from '../../src/backend/select-backend.js';
import { buildModel, IO_NAMES } from '../../src/model/index.js';
import { PROBABILITIES, decodeModel, exportToOnnx, metadataFromProps } from '../../src/export/index.js';
import { randomInput, smallConfig } from '../model/helpers.js';
import { argmaxRows, maxAbsDiff, openSession, randomizeWeights, runSession, softmaxRows, structureProblems } from './helpers.js';
import { cpuBackend } from '../cpu-backend.js';

/** Max abs difference allowed between TensorFlow.js and onnxruntime logits (and probabilities). */
const LOGIT_TOLERANCE = 1e-4;
const K = LABELS.length;

let backend = 'cpu';
t.before(async () => {
  // The wasm backend (XNNPACK) runs the tfjs side ~20x faster than the pure-JS cpu one;
  // AMFT_PARITY_BACKEND=cpu checks against the cpu (reference) kernels instead.
  if (process.env.AMFT_PARITY_BACKEND !== 'cpu') {
    try {
      backend = (await selectBackend('wasm', pino({ level: 'silent' }))).name;
      return;
    } catch {
      // fall through to cpu
    }
  }
  await cpuBackend();
});

interface Case {
  variant: Variant;
  lstm: boolean;
  /** [batch] or [batch, frames] per run. */
  inputs: number[][];
}

const CASES: Case[] = [
  { variant: 'lite', lstm: false, inputs: [[1], [3]] },
  { variant: 'lite', lstm: true, inputs: [[1, 1], [1, 4], [3, 1], [3, 4]] },
  { variant: 'amft', lstm: false, inputs: [[1], [3]] },
  { variant: 'amft', lstm: true, inputs: [[1, 4], [3, 1], [3, 4]] },
  // seed keeps its full ResNet-50 widths (51M parameters) at 64x64 input
  { variant: 'seed', lstm: false, inputs: [[1], [3]] },
  { variant: 'seed', lstm: true, inputs: [[1, 4], [3, 1], [3, 4]] },
];

for (const c of CASES) {
  const label = `${c.variant}${c.lstm ? '+lstm' : ''}`;
  t.test(`parity ${label}`, async (t) => {
    const cfg = smallConfig(c.variant, c.lstm);
    const model = buildModel(cfg);
    const calibration = randomInput(cfg, c.lstm ? 1 : 2, c.lstm ? 2 : undefined, 99);
    randomizeWeights(model, 1234, calibration);
    calibration.dispose();

    const { bytes, metadata, report } = exportToOnnx(model, cfg, { metadata: { createdAt: '2025-01-01T00:00:00.000Z' } });
    const batchNorms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    t.equal(report.passes.foldedBatchNorms, batchNorms, `all ${batchNorms} batch norms are folded into their convolutions`);
    t.equal(report.ops.BatchNormalization, undefined, 'no BatchNormalization node is left');
    for (const [what, problems] of Object.entries(structureProblems(bytes))) t.same(problems, [], what);

    t.same(ModelMetadata.parse(metadata), metadata, 'metadata is valid under the shared schema');
    t.same(metadataFromProps(decodeModel(bytes).metadataProps), metadata, 'the file carries the metadata (amft.metadata)');

    const session = await openSession(bytes, 'all');
    const input = c.lstm ? IO_NAMES.sequenceInput : IO_NAMES.input;
    t.same(session.inputNames, [input], 'graph input');
    t.same([...session.outputNames].sort(), (c.lstm ? [IO_NAMES.logits, PROBABILITIES, IO_NAMES.frameLogits] : [IO_NAMES.logits, PROBABILITIES]).sort(), 'graph outputs');
    t.equal(metadata.io.input, input);
    if (c.lstm) t.same(metadata.io.sequence, { input, logits: IO_NAMES.logits, probabilities: PROBABILITIES, frameLogits: IO_NAMES.frameLogits });

    let worst = 0;
    for (const [k, dims] of c.inputs.entries()) {
      const [n, frames] = dims;
      const x = randomInput(cfg, n, frames, 1000 + k);
      const predicted = model.predict(x) as tf.Tensor | tf.Tensor[];
      const [refLogits, refFrames] = (Array.isArray(predicted) ? predicted : [predicted]).map((p) => p.dataSync() as Float32Array);
      const out = await runSession(session, input, x);
      const what = c.lstm ? `N=${n} T=${frames}` : `batch ${n}`;

      t.same(out[IO_NAMES.logits].dims, [n, K], `${what}: logits dims`);
      const d = maxAbsDiff(refLogits, out[IO_NAMES.logits].data);
      t.ok(d <= LOGIT_TOLERANCE, `${what}: max |logits tfjs - onnx| = ${d.toExponential(2)} <= ${LOGIT_TOLERANCE}`);
      t.same(argmaxRows(out[IO_NAMES.logits].data, K), argmaxRows(refLogits, K), `${what}: argmax agrees on every sample`);
      const dp = maxAbsDiff(softmaxRows(refLogits, K), out[PROBABILITIES].data);
      t.ok(dp <= LOGIT_TOLERANCE, `${what}: max |probabilities diff| = ${dp.toExponential(2)}`);
      worst = Math.max(worst, d);
      if (c.lstm) {
        t.same(out[IO_NAMES.frameLogits].dims, [n, frames, K], `${what}: frame logits dims`);
        const df = maxAbsDiff(refFrames, out[IO_NAMES.frameLogits].data);
        t.ok(df <= LOGIT_TOLERANCE, `${what}: max |frame logits diff| = ${df.toExponential(2)}`);
        t.same(argmaxRows(out[IO_NAMES.frameLogits].data, K), argmaxRows(refFrames, K), `${what}: frame argmax agrees`);
        worst = Math.max(worst, df);
      }
      if (k === 0) {
        // the graph as written, without onnxruntime's own fusions, computes the same
        const plain = await openSession(bytes, 'disabled');
        const dPlain = maxAbsDiff(refLogits, (await runSession(plain, input, x))[IO_NAMES.logits].data);
        t.ok(dPlain <= LOGIT_TOLERANCE, `${what}: graphOptimizationLevel 'disabled' too: ${dPlain.toExponential(2)}`);
        await plain.release();
      }
      tf.dispose([x, predicted]);
    }
    t.comment(`parity ${label}: max abs diff ${worst.toExponential(2)} over ${c.inputs.length} runs (tolerance ${LOGIT_TOLERANCE}, tfjs backend ${backend}); ${bytes.length} bytes`);
    await session.release();
    model.dispose();
  });
}
