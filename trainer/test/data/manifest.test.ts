import { join } from 'node:path';
import t from 'tap';
import { DataError, readManifest } from '@amft/shared/dataset';
import { loadDataset } from '../../src/data/load-dataset.js';
import { tempDir, writeImage, writeText } from './fixtures.js';

const spec = { height: 16, width: 16, channels: 1 as const };

t.test('a manifest with a header, names and indices, relative to --root', async (t) => {
  const dir = await tempDir(t);
  await writeImage(join(dir, 'img', 'a.png'), 50);
  await writeImage(join(dir, 'img', 'b.jpg'), 200);
  await writeText(join(dir, 'm.csv'), 'path,label\nimg/a.png,angry\nimg/b.jpg,3\n');
  const { dataset, bad, format } = await loadDataset({ path: join(dir, 'm.csv') }, { spec });
  t.equal(format, 'manifest');
  t.same(bad, []);
  t.same(dataset.samples, [
    { source: join(dir, 'img', 'a.png'), label: 0 },
    { source: join(dir, 'img', 'b.jpg'), label: 3 },
  ]);
  t.same(dataset.geometry, spec);
  t.equal(dataset.pixels.length, 2 * 16 * 16);
  t.equal(dataset.pixels[0], 50);
  t.ok(Math.abs(dataset.pixels[256] - 200) <= 2, 'JPEG decodes near its value');

  // no header, --root elsewhere
  await writeText(join(dir, 'other', 'm2.csv'), 'a.png,Happy\n');
  const r2 = await loadDataset({ path: join(dir, 'other', 'm2.csv'), root: join(dir, 'img') }, { spec });
  t.same(r2.dataset.samples, [{ source: join(dir, 'img', 'a.png'), label: 3 }]);
});

t.test('every bad row is reported with its line, in skip and fail modes', async (t) => {
  const dir = await tempDir(t);
  await writeImage(join(dir, 'ok.png'), 100);
  await writeText(join(dir, 'broken.png'), 'this is not a png');
  const csv = [
    'path,label', // 1
    'ok.png,happy', // 2
    'missing.png,sad', // 3
    'ok.png,contempt', // 4
    'ok.png', // 5
    'broken.png,fear', // 6
    'ok.png,7', // 7
  ].join('\n');
  await writeText(join(dir, 'm.csv'), csv);
  const listed = await readManifest(join(dir, 'm.csv'), dir);
  t.same(
    listed.bad.map((b) => b.where),
    [`${join(dir, 'm.csv')}:4`, `${join(dir, 'm.csv')}:5`, `${join(dir, 'm.csv')}:7`],
  );
  t.match(listed.bad[0].reason, /unknown label 'contempt'/);
  t.match(listed.bad[1].reason, /expected 2 fields/);

  const skipped = await loadDataset({ path: join(dir, 'm.csv'), onBadRow: 'skip' }, { spec });
  t.same(skipped.dataset.samples.map((s) => s.source), [join(dir, 'ok.png')]);
  const reasons = Object.fromEntries(skipped.bad.map((b) => [b.where, b.reason]));
  t.match(reasons[join(dir, 'missing.png')], /file not found/);
  t.match(reasons[join(dir, 'broken.png')], /cannot decode image/);
  t.equal(skipped.bad.length, 5);

  const err = await loadDataset({ path: join(dir, 'm.csv') }, { spec }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof DataError, 'fail mode (the default) throws a DataError');
  t.equal((err as DataError).rows.length, 5, 'listing all bad rows, not just the first');
  t.match((err as Error).message, /m\.csv:4: unknown label 'contempt'/);
  t.match((err as Error).message, /missing\.png: file not found/);
  t.match((err as Error).message, /--on-bad-row skip/);
});

t.test('an empty manifest, or one with only a header, is an error in both modes', async (t) => {
  const dir = await tempDir(t);
  await writeText(join(dir, 'empty.csv'), '');
  await writeText(join(dir, 'header.csv'), 'path,label\n');
  for (const onBadRow of ['skip', 'fail'] as const) {
    await t.rejects(loadDataset({ path: join(dir, 'empty.csv'), format: 'manifest', onBadRow }, { spec }), /no usable samples/);
    await t.rejects(loadDataset({ path: join(dir, 'header.csv'), onBadRow }, { spec }), /no usable samples/);
  }
  await t.rejects(loadDataset({ path: join(dir, 'nope.csv'), format: 'manifest' }, { spec }), /file not found/);
});

t.test('all rows bad in skip mode: an error that still lists them', async (t) => {
  const dir = await tempDir(t);
  await writeText(join(dir, 'm.csv'), 'a.png,1\nb.png,2\n');
  const err = (await loadDataset({ path: join(dir, 'm.csv'), onBadRow: 'skip' }, { spec }).catch((e: unknown) => e)) as DataError;
  t.match(err.message, /no usable samples \(2 bad rows left out\)/);
  t.equal(err.rows.length, 2);
});
