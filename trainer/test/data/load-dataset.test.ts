import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { loadDataset } from '../../src/data/load-dataset.js';
import { tempDir, writeBrightDarkFolder, writeImage, writeText } from './fixtures.js';

const spec = { height: 16, width: 16, channels: 1 as const };

t.test('--max-samples picks a fixed subset that keeps both classes', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(dir, 20);
  const a = await loadDataset({ path: dir, maxSamples: 10 }, { spec });
  const b = await loadDataset({ path: dir, maxSamples: 10 }, { spec });
  t.equal(a.dataset.samples.length, 10);
  t.same(a.dataset.samples, b.dataset.samples);
  t.same(new Set(a.dataset.samples.map((s) => s.label)), new Set([0, 3]));
});

t.test('images are stored at their source size when smaller than the model, or at --store-size', async (t) => {
  const dir = await tempDir(t);
  await writeImage(join(dir, 'sad', 'a.png'), 60, { size: 12 });
  t.same((await loadDataset({ path: dir }, { spec })).dataset.geometry, { height: 12, width: 12, channels: 1 });
  t.same((await loadDataset({ path: dir }, { spec, storeSize: 16 })).dataset.geometry, spec);
  t.same((await loadDataset({ path: dir }, { spec: { height: 8, width: 8, channels: 3 } })).dataset.geometry, { height: 8, width: 8, channels: 3 });
});

t.test('the decoded-dataset cache returns the same data and still applies --on-bad-row', async (t) => {
  const dir = await tempDir(t);
  const cacheDir = join(dir, 'cache');
  await writeBrightDarkFolder(join(dir, 'data'), 3);
  await writeText(join(dir, 'data', 'happy', 'bad.png'), 'not a png');
  const first = await loadDataset({ path: join(dir, 'data'), onBadRow: 'skip' }, { spec, cacheDir });
  t.equal(first.bad.length, 1);
  t.equal((await readdir(cacheDir)).length, 2, 'one entry: .bin and .json');
  const second = await loadDataset({ path: join(dir, 'data'), onBadRow: 'skip' }, { spec, cacheDir });
  t.same(second, first);
  await t.rejects(loadDataset({ path: join(dir, 'data') }, { spec, cacheDir }), /bad\.png: cannot decode/, 'fail mode fails on a cached bad row');
  // a changed file is a different entry
  await writeImage(join(dir, 'data', 'happy', 'bad.png'), 250);
  const third = await loadDataset({ path: join(dir, 'data') }, { spec, cacheDir });
  t.equal(third.dataset.samples.length, 7);
  t.equal((await readdir(cacheDir)).length, 4);
});
