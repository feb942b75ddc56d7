import { join } from 'node:path';
import t from 'tap';
import { DataError, parsePixels, readFer2013Csv } from '@amft/shared/dataset';
import { loadDataset } from '../../src/data/load-dataset.js';
import { ferPixels, tempDir, writeText } from './fixtures.js';

const GRAY = { height: 48, width: 48, channels: 1 as const };

t.test('rows become 48x48 images; --usage filters; the header is optional', async (t) => {
  const dir = await tempDir(t);
  const csv = [
    'emotion,pixels,Usage',
    `3,${ferPixels()},Training`,
    `0,${ferPixels(() => 7)},PublicTest`,
    `6,${ferPixels(() => 255)},Training`,
  ].join('\n');
  await writeText(join(dir, 'fer.csv'), csv);
  const all = await loadDataset({ path: join(dir, 'fer.csv') }, { spec: GRAY });
  t.equal(all.format, 'fer2013-csv');
  t.same(all.dataset.samples.map((s) => s.label), [3, 0, 6]);
  t.equal(all.dataset.samples[1].source, `${join(dir, 'fer.csv')}:3`);
  t.equal(all.dataset.pixels[5], 5);
  t.equal(all.dataset.pixels[2304 + 100], 7);
  const training = await loadDataset({ path: join(dir, 'fer.csv'), usage: 'Training' }, { spec: GRAY });
  t.same(training.dataset.samples.map((s) => s.label), [3, 6]);

  await writeText(join(dir, 'nohead.csv'), `5,${ferPixels()},PrivateTest\n2,${ferPixels()}\n`);
  const nohead = await readFer2013Csv({ file: join(dir, 'nohead.csv') });
  t.same(nohead.samples.map((s) => s.label), [5, 2]);
  // without a header, a row lacking the Usage field is a bad row when --usage filters
  await t.rejects(loadDataset({ path: join(dir, 'nohead.csv'), format: 'fer2013-csv', usage: 'Training', onBadRow: 'skip' }, { spec: GRAY }), /no usable samples \(1 bad rows/);
});

t.test('stored at the model geometry when it differs (RGB, smaller)', async (t) => {
  const dir = await tempDir(t);
  await writeText(join(dir, 'fer.csv'), `emotion,pixels\n1,${ferPixels(() => 90)}\n`);
  const rgb = await loadDataset({ path: join(dir, 'fer.csv') }, { spec: { height: 224, width: 224, channels: 3 } });
  t.same(rgb.dataset.geometry, { height: 48, width: 48, channels: 3 }, 'kept at 48x48 (the source size) with 3 channels');
  t.ok(rgb.dataset.pixels.every((v) => v === 90));
  const small = await loadDataset({ path: join(dir, 'fer.csv') }, { spec: { height: 24, width: 24, channels: 1 } });
  t.same(small.dataset.geometry, { height: 24, width: 24, channels: 1 });
});

t.test('bad rows: short, long, non-numeric, out of range, unknown emotion, missing field', async (t) => {
  const dir = await tempDir(t);
  const good = ferPixels();
  const lines = [
    'emotion,pixels,Usage', // 1
    `3,${good},Training`, // 2
    `3,${good.split(' ').slice(0, 2303).join(' ')},Training`, // 3 short
    `3,${good} 9,Training`, // 4 long
    `3,${good.replace(/^0 1 2/, '0 x1 2')},Training`, // 5 non-numeric
    `3,${good.replace(/^0 1 2/, '0 1 256')},Training`, // 6 out of range
    `9,${good},Training`, // 7 unknown emotion
    `4`, // 8 too few fields
    `4,${good},Training`, // 9
  ];
  await writeText(join(dir, 'fer.csv'), lines.join('\n'));
  const file = join(dir, 'fer.csv');
  const skip = await loadDataset({ path: file, onBadRow: 'skip' }, { spec: GRAY });
  t.same(skip.dataset.samples.map((s) => s.source), [`${file}:2`, `${file}:9`]);
  t.same(
    skip.bad.map((b) => b.where),
    [3, 4, 5, 6, 7, 8].map((l) => `${file}:${l}`),
  );
  t.match(skip.bad[0].reason, /expected 2304 values \(48x48\), got 2303/);
  t.match(skip.bad[1].reason, /got 2305/);
  t.match(skip.bad[2].reason, /value 'x1' at position 2 is not an integer/);
  t.match(skip.bad[3].reason, /value '256' at position 3/);
  t.match(skip.bad[4].reason, /unknown emotion '9'/);
  t.match(skip.bad[5].reason, /expected at least 2 fields/);
  const err = (await loadDataset({ path: file }, { spec: GRAY }).catch((e: unknown) => e)) as DataError;
  t.ok(err instanceof DataError);
  t.equal(err.rows.length, 6);
  t.match(err.message, /fer\.csv:3: pixels: expected 2304 values/);
});

t.test('an empty FER2013 CSV is an error in both modes', async (t) => {
  const dir = await tempDir(t);
  await writeText(join(dir, 'fer.csv'), 'emotion,pixels,Usage\n');
  for (const onBadRow of ['skip', 'fail'] as const) {
    await t.rejects(loadDataset({ path: join(dir, 'fer.csv'), onBadRow }, { spec: GRAY }), /no usable samples/);
  }
});

t.test('parsePixels', async (t) => {
  t.equal((parsePixels(ferPixels()) as Uint8Array)[300], 300 % 256);
  t.match(parsePixels(''), /got 0/);
  t.match(parsePixels(`${ferPixels()}  `), Uint8Array, 'trailing spaces are fine');
  t.match(parsePixels(ferPixels().replace(/^0/, '-1')), /value '-1'/);
  t.match(parsePixels(ferPixels().replace(/^0/, '1.5')), /value '1.5'/);
});
