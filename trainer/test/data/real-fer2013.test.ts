import { existsSync } from 'node:fs';
import { GRAY48 } from '@amft/shared';
import t from 'tap';
import { loadDataset } from '../../src/data/load-dataset.js';

import { join } from 'node:path';
import { FER2013, SHARED_DATA_ABSENT } from '../../../test/shared-data.js';

const VAL = join(FER2013, 'val');

t.test('the real FER2013 validation folder loads', { skip: existsSync(VAL) ? false : SHARED_DATA_ABSENT }, async (t) => {
  const t0 = performance.now();
  const { dataset, bad, format } = await loadDataset({ path: VAL, maxSamples: 300 }, { spec: GRAY48 });
  const seconds = (performance.now() - t0) / 1000;
  t.equal(format, 'folder');
  t.same(bad, []);
  t.equal(dataset.samples.length, 300);
  t.same(dataset.geometry, { height: 48, width: 48, channels: 1 });
  t.ok(new Set(dataset.samples.map((s) => s.label)).size >= 6, 'the subset spans the classes');
  t.ok(dataset.samples.every((s) => /PublicTest_\d+\.jpg$/.test(s.source)));
  let sum = 0;
  for (const v of dataset.pixels) sum += v;
  const mean = sum / dataset.pixels.length;
  t.ok(mean > 60 && mean < 200, `face crops have a plausible mean intensity (${mean.toFixed(1)})`);
  t.comment(`loaded 300 images in ${seconds.toFixed(2)} s (${(300 / seconds).toFixed(0)} images/s)`);
});
