import { join } from 'node:path';
import t from 'tap';
import { loadDataset } from '../../src/data/load-dataset.js';
import { detectFormat } from '@amft/shared/dataset';
import { ferPixels, tempDir, writeImage, writeText } from './fixtures.js';

t.test('root/<class>/*.{jpg,jpeg,png}, in class then name order; other files ignored', async (t) => {
  const dir = await tempDir(t);
  await writeImage(join(dir, 'happy', 'b.png'), 200);
  await writeImage(join(dir, 'happy', 'a.jpeg'), 180);
  await writeImage(join(dir, 'angry', 'z.jpg'), 20);
  await writeImage(join(dir, '6', 'n.PNG'), 120, { channels: 3 });
  await writeText(join(dir, 'happy', 'notes.txt'), 'not an image');
  const { dataset, bad, format } = await loadDataset({ path: dir }, { spec: { height: 8, width: 8, channels: 3 } });
  t.equal(format, 'folder');
  t.same(bad, []);
  t.same(
    dataset.samples.map((s) => [s.label, s.source.slice(dir.length + 1)]),
    [
      [0, 'angry/z.jpg'],
      [3, 'happy/a.jpeg'],
      [3, 'happy/b.png'],
      [6, '6/n.PNG'],
    ],
  );
  t.same(dataset.geometry, { height: 8, width: 8, channels: 3 }, 'resized to the model, gray expanded to RGB');
  t.equal(dataset.pixels.length, 4 * 8 * 8 * 3);
});

t.test('an unknown class folder and an undecodable image, skip and fail', async (t) => {
  const dir = await tempDir(t);
  await writeImage(join(dir, 'sad', 'ok.png'), 90);
  await writeImage(join(dir, 'contempt', 'x.png'), 90);
  await writeText(join(dir, 'sad', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]).toString('binary'));
  const spec = { height: 16, width: 16, channels: 1 as const };
  const skip = await loadDataset({ path: dir, onBadRow: 'skip' }, { spec });
  t.same(skip.dataset.samples.map((s) => s.source), [join(dir, 'sad', 'ok.png')]);
  t.same(
    skip.bad.map((b) => [b.where, b.reason.split(':')[0]]),
    [
      [join(dir, 'contempt'), "unknown class folder 'contempt'"],
      [join(dir, 'sad', 'broken.jpg'), 'cannot decode image'],
    ],
  );
  await t.rejects(loadDataset({ path: dir }, { spec }), /2 bad rows[\s\S]*contempt[\s\S]*broken\.jpg: cannot decode image/);
  const empty = await tempDir(t);
  for (const onBadRow of ['skip', 'fail'] as const) await t.rejects(loadDataset({ path: empty, onBadRow }, { spec }), /no usable samples/);
});

t.test('format detection', async (t) => {
  const dir = await tempDir(t);
  await writeText(join(dir, 'fer.csv'), `emotion,pixels,Usage\n0,${ferPixels()},Training\n`);
  await writeText(join(dir, 'fer-nohead.csv'), `0,${ferPixels()},Training\n`);
  await writeText(join(dir, 'quoted.csv'), `\uFEFF"emotion","pixels"\n`);
  await writeText(join(dir, 'm.csv'), 'path,label\na.png,happy\n');
  await writeText(join(dir, 'm2.csv'), 'a.png,3\r\n');
  await writeText(join(dir, 'empty.csv'), '');
  t.equal(await detectFormat(dir), 'folder');
  t.equal(await detectFormat(join(dir, 'fer.csv')), 'fer2013-csv');
  t.equal(await detectFormat(join(dir, 'fer-nohead.csv')), 'fer2013-csv');
  t.equal(await detectFormat(join(dir, 'quoted.csv')), 'fer2013-csv');
  t.equal(await detectFormat(join(dir, 'm.csv')), 'manifest');
  t.equal(await detectFormat(join(dir, 'm2.csv')), 'manifest');
  t.equal(await detectFormat(join(dir, 'empty.csv')), 'manifest');
  await t.rejects(detectFormat(join(dir, 'missing.csv')), /no such file or directory/);
});
