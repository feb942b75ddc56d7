/** shared/src/dataset: one reader for files (amft train/eval) and uploaded text (/evaluate). */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, detectCsvFormat, detectFormat, readFer2013Csv, readManifestRows, RowLimitError, UsageColumnError } from '../src/dataset/index.js';

const dir = mkdtempSync(join(tmpdir(), 'amft-dataset-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** The same CSV as a file and as text named like the file: the two must read alike. */
function both(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return [{ file }, { text, name: file }] as const;
}

t.test('manifests: headerless, path,label, file,class in any order, extra columns; bad rows with lines', async (t) => {
  const cases: Array<[string, string, number]> = [
    ['headerless.csv', 'a.png,happy\nb.png,0\n', 0],
    ['path-label.csv', 'path,label\na.png,happy\nb.png,angry\n', 1],
    ['file-class.csv', 'file,class\na.png,Happy\nb.png,0\n', 1],
    ['class-image.csv', 'class,extra,image\nhappy,x,a.png\n0,y,b.png\n', 1],
  ];
  for (const [name, text, header] of cases) {
    for (const input of both(name, text)) {
      t.equal(await detectCsvFormat(input), 'manifest', `${name}: a manifest`);
      const { rows, bad } = await readManifestRows(input);
      t.same(rows.map((r) => [r.path, r.label, r.line]), [['a.png', 3, 1 + header], ['b.png', 0, 2 + header]], name);
      t.same(bad, []);
    }
  }
  for (const input of both('bad.csv', 'path,label\na.png,contempt\nb.png\n,happy\nc.png,sad,extra\n')) {
    const { rows, bad } = await readManifestRows(input);
    t.same(rows, []);
    t.same(bad.map((b) => [b.line, b.reason]), [
      [2, "unknown label 'contempt'"],
      [3, 'expected 2 fields (as the header), got 1'],
      [4, 'empty path'],
      [5, 'expected 2 fields (as the header), got 3'],
    ]);
  }
  for (const input of both('nolabel.csv', 'image,size\na.png,12\n')) {
    await t.rejects(readManifestRows(input), { name: 'DataError', message: /has no label column .*expected path,label/ });
  }
});

t.test('FER2013 CSV: header optional, 48x48 rows only, usage filter, the same bad rows', async (t) => {
  const px = (v: number, n = 2304) => Array.from({ length: n }, () => v).join(' ');
  const text = ['emotion,pixels,Usage', `3,${px(5)},PublicTest`, `0,${px(7)},Training`, `9,${px(1)},PublicTest`, `2,${px(1, 2025)},PublicTest`].join('\n');
  for (const input of both('fer.csv', text)) {
    t.equal(await detectCsvFormat(input), 'fer2013-csv');
    const all = await readFer2013Csv(input);
    t.same(all.samples.map((s) => s.label), [3, 0]);
    t.same(all.lines, [2, 3]);
    t.equal(all.pixels.length, 2 * 2304);
    t.same(all.bad.map((b) => b.line), [4, 5]);
    t.match(all.bad[1].reason, /expected 2304 values \(48x48\), got 2025 pixel values/, 'a square of another size is not a FER2013 row');
    const pub = await readFer2013Csv(input, 'PublicTest');
    t.same(pub.samples.map((s) => s.label), [3]);
  }
  for (const input of both('fer-nousage.csv', `emotion,pixels\n3,${px(5)}\n`)) await t.rejects(readFer2013Csv(input, 'PublicTest'), UsageColumnError);
  for (const input of both('fer-nohead.csv', `3,${px(5)}\n`)) t.equal(await detectCsvFormat(input), 'fer2013-csv', 'headerless rows are recognised');
  t.equal(await detectFormat(dir), 'folder');
});

t.test('not CSV, too many rows', async (t) => {
  await t.rejects(readManifestRows({ text: 'path,label\n"a.png,happy\n', name: 'q.csv' }), { name: 'DataError', message: /^q\.csv:\d+: not a readable CSV file: .*quote/i });
  await t.rejects(readManifestRows({ text: 'path,label\na.png\0,happy\n', name: 'b.csv' }), /NUL bytes/);
  const many = ['path,label', ...Array.from({ length: 5 }, (_, i) => `${i}.png,happy`)].join('\n');
  await t.rejects(readManifestRows({ text: many, name: 'm.csv' }, { maxRecords: 5 }), RowLimitError);
  t.equal((await readManifestRows({ text: many, name: 'm.csv' }, { maxRecords: 6 })).rows.length, 5);
  t.ok(new RowLimitError('x', 1) instanceof DataError);
});
