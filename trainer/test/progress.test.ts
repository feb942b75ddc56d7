// The one progress display: a redrawn bar with ETA on a terminal, periodic lines otherwise; and
// the loops that feed it (dataset decoding, evaluation) through `amft eval`.
import t from 'tap';
import { join } from 'node:path';
import { pino } from 'pino';
import { progress, withProgress } from '../src/progress.js';
import { decodeImages } from '../src/data/decode-images.js';
import { runEval } from '../src/cli/eval.js';
import { runTrain } from '../src/cli/train.js';
import { tempDir, writeBrightDarkFolder } from './data/fixtures.js';
import { tinyFactory } from './train/tiny-model.js';
import { cpuBackend } from './cpu-backend.js';

await cpuBackend();

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } };
}

t.test('on a terminal: one line redrawn in place, with a bar, rate and ETA, ended by a newline', async (t) => {
  let now = 0;
  const { writes, stream } = sink(true);
  const bar = progress({ label: 'validation', total: 100, unit: 'images', stream, now: () => now });
  now = 1000;
  bar.update(25);
  t.equal(writes.length, 1);
  t.equal(writes[0], '\r\x1b[2Kvalidation [######------------------] 25/100 images 25% 25.0 images/s ETA 3s');
  now = 1050;
  bar.update(30);
  t.equal(writes.length, 1, 'not redrawn more than every 100 ms');
  now = 4000;
  bar.update(100);
  bar.done();
  t.equal(writes.at(-1), `\r\x1b[2Kvalidation [${'#'.repeat(24)}] 100/100 images 100% 25.0 images/s in 4s\n`);
  bar.done();
  t.equal(writes.filter((w) => w.endsWith('\n')).length, 1, 'done is idempotent');
});

t.test('off a terminal: a plain line every everyMs, and one at the end', async (t) => {
  let now = 0;
  const { writes, stream } = sink(false);
  const bar = progress({ label: 'decode train', total: 1000, unit: 'images', stream, everyMs: 10_000, now: () => now });
  for (let i = 1; i <= 1000; i++) {
    now = i * 25;
    bar.update(i);
  }
  bar.done();
  t.same(writes.map((w) => w.split(' ').slice(0, 4).join(' ')), ['decode train 400/1000 images', 'decode train 800/1000 images', 'decode train 1000/1000 images']);
  t.ok(writes.every((w) => !w.includes('\r') && !w.includes('[#') && w.endsWith('\n')), 'no bar, no carriage returns');
  t.match(writes[0], /ETA 15s\n$/);
  const quick = sink(false);
  await withProgress({ label: 'quick', stream: quick.stream, now: () => 0 }, async (s) => s(1, 1));
  t.same(quick.writes, [], 'work done in under a second says nothing off a terminal');
});

t.test('decodeImages reports each file', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(dir, 3);
  const files = ['angry', 'happy'].flatMap((c) => [0, 1, 2].map((i) => join(dir, c, `${i}.png`)));
  const seen: Array<[number, number]> = [];
  const r = await decodeImages(files, { height: 8, width: 8, channels: 1 }, 2, (done, total) => seen.push([done, total]));
  t.same(r.failed, []);
  t.same(seen, files.map((_, i) => [i + 1, files.length]));
});

t.test('amft eval shows decoding and evaluation progress on a terminal', async (t) => {
  const dir = await tempDir(t);
  await writeBrightDarkFolder(join(dir, 'train'), 8);
  const quiet = { createModel: tinyFactory, selectBackend: async () => ({ name: 'cpu' }), log: pino({ level: 'silent' }), out: { isTTY: false, write: () => true } };
  await runTrain(['--data', join(dir, 'train'), '--out', join(dir, 'run'), '--epochs', '1', '--batch-size', '8'], quiet);
  const { writes, stream } = sink(true);
  await runEval(['--checkpoint', join(dir, 'run', 'checkpoints', 'best'), '--data', join(dir, 'train'), '--out', join(dir, 'eval'), '--batch-size', '4'], { ...quiet, progress: stream });
  const finals = writes.filter((w) => w.endsWith('\n'));
  t.ok(finals[0]?.startsWith(`\r\x1b[2Kdecode [${'#'.repeat(24)}] 16/16 images 100%`), String(finals[0]));
  t.ok(finals[1]?.startsWith(`\r\x1b[2Kevaluate [${'#'.repeat(24)}] 16/16 images 100%`), String(finals[1]));
});

t.test('amft export steps through load, ONNX and model card on a terminal', async (t) => {
  const { runExport } = await import('../src/cli/export.js');
  const { buildModel } = await import('../src/model/index.js');
  const { smallConfig } = await import('./model/helpers.js');
  const dir = await tempDir(t);
  const cfg = smallConfig('lite', false);
  const { writes, stream } = sink(true);
  await runExport(['--checkpoint', 'ckpt', '--out', join(dir, 'out')], {
    loadCheckpoint: async () => ({ model: buildModel(cfg), config: cfg, metadata: {} }),
    out: { write: () => true },
    progress: stream,
  });
  t.ok(writes.at(-1)?.startsWith(`\r\x1b[2Kexport [${'#'.repeat(24)}] 4/4 steps 100%`), String(writes.at(-1)));
});
