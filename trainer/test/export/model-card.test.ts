import t from 'tap';
import { classificationReport, ModelMetadata } from '@amft/shared';
import { duration, renderModelCard } from '../../src/export/model-card.js';

const metadata = ModelMetadata.parse({
  format: 'amft-onnx',
  schemaVersion: 1,
  name: 'amft-lite',
  variant: 'lite',
  labels: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
  preprocessing: { height: 48, width: 48, channels: 1, mean: [0.5], std: [0.5] },
  io: { input: 'input', logits: 'logits', probabilities: 'probabilities' },
  opset: 17,
  trainableParams: 1000,
  totalParams: 1010,
  flopsPerImage: 81e6,
  training: { backend: 'wasm', epochs: 12, seconds: 3 * 3600 + 600, dataset: 'fer2013/train (folder, 28709 samples)' },
  createdAt: '2026-11-24T00:00:00.000Z',
});

t.test('the model card states the figures, the training and the full evaluation', async (t) => {
  const report = classificationReport([0, 3, 3, 6, 1], [0, 3, 6, 6, 1]);
  const card = renderModelCard({ metadata, bytes: 4_332_013, reports: [{ split: 'fer2013/val', report }], trainConfig: { optimizer: 'adamw', lr: 0.001 } });
  t.match(card, /# Model card: amft-lite/);
  t.match(card, /\| input \| `input` float32 \[N, 1, 48, 48\] \(grayscale\) \|/);
  t.match(card, /1,000 trainable/);
  t.match(card, /81\.0 M/);
  t.match(card, /4\.33 MB/);
  t.match(card, /epochs: 12/);
  t.match(card, /3 h 10 min on the TensorFlow\.js `wasm` backend/);
  t.match(card, /optimizer "adamw", lr 0\.001/);
  t.match(card, /Accuracy \*\*80\.00%\*\*/);
  t.match(card, /\| happy \| 100\.00 \| 50\.00 \| 66\.67 \| 2 \|/);
  t.match(card, /Confusion matrix/);
  const none = renderModelCard({ metadata, bytes: 1, reports: [] });
  t.match(none, /No evaluation report/);
});

t.test('training time: minutes that round to 60 carry into the hours', async (t) => {
  t.equal(duration(3.995 * 3600), '4 h 0 min', '3.995 h (3 h 59.7 min) was "3 h 60 min"');
  t.equal(duration(3.99 * 3600), '3 h 59 min', '3.99 h is 3 h 59.4 min');
  t.equal(duration(3 * 3600 + 59 * 60 + 29), '3 h 59 min');
  t.equal(duration(3 * 3600 + 59 * 60 + 30), '4 h 0 min');
  t.equal(duration(59.5 * 60), '1 h 0 min', 'also below one hour');
  t.equal(duration(59 * 60), '59 min');
  t.equal(duration(3600), '1 h 0 min');
  t.equal(duration(0), '0 min');
  const card = renderModelCard({ metadata: ModelMetadata.parse({ ...metadata, training: { ...metadata.training, seconds: 3.995 * 3600 } }), bytes: 1, reports: [] });
  t.match(card, /training time: 4 h 0 min on/);
  t.notMatch(card, /60 min/);
});

t.test('calibration: the card shows ECE and NLL before and after, and says when the fit was not applied', async (t) => {
  const fit = { temperature: 0.959, split: 'fer2013/val', count: 3589, eceBefore: 0.0284, eceAfter: 0.0344, nllBefore: 0.9593, nllAfter: 0.9584 };
  const rejected = renderModelCard({ metadata, bytes: 1, reports: [], tuning: { tta: 'none', calibrationFit: fit } });
  t.match(rejected, /temperature \*\*0\.959\*\* fitted on 3,589 images of `fer2013\/val` \(minimum NLL\), \*\*not applied\*\*/);
  t.match(rejected, /\| before \(T = 1\) \| 2\.84% \| 0\.9593 \|/);
  t.match(rejected, /\| after \(T = 0\.959\) \| 3\.44% \| 0\.9584 \|/);
  const good = { ...fit, temperature: 1.21, eceAfter: 0.012 };
  const applied = renderModelCard({ metadata: ModelMetadata.parse({ ...metadata, calibration: good }), bytes: 1, reports: [], tuning: { tta: 'none', calibration: good, calibrationFit: good } });
  t.match(applied, /temperature \*\*1\.210\*\* fitted .*; `probabilities` = softmax\(logits \/ T\)/);
  t.notMatch(applied, /not applied/);
  t.match(applied, /\| after \(T = 1\.210\) \| 1\.20% \|/);
  t.match(renderModelCard({ metadata, bytes: 1, reports: [] }), /- calibration: none/);
});
