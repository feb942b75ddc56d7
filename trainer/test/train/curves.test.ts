// Training-curve pictures people read: round ticks, labelled epochs, accuracy in %, PNG + SVG;
// and the model card showing the run's curves and the confusion matrix.
import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { curvesSvg, niceTicks, writeCurvesPng } from '../../src/train/curves-png.js';
import type { EpochMetrics } from '../../src/train/checkpoint.js';
import { runExport } from '../../src/cli/export.js';
import { buildModel } from '../../src/model/index.js';
import { smallConfig } from '../model/helpers.js';
import { cpuBackend } from '../cpu-backend.js';

await cpuBackend();

function history(n: number): EpochMetrics[] {
  return Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    step: (i + 1) * 449,
    lr: 1e-3,
    trainLoss: 1.917 - 0.0613 * i,
    trainAccuracy: 0.3117 + 0.0213 * i,
    valLoss: 1.8321 - 0.0457 * i,
    valAccuracy: 0.3356 + 0.0177 * i,
    seconds: 600,
    imagesPerSecond: 40,
  }));
}

/** The text of every <text> element whose x is `x` (one axis' labels). */
const labelsAt = (svg: string, pred: (x: number, y: number) => boolean) =>
  [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].filter((m) => pred(Number(m[1]), Number(m[2]))).map((m) => m[3]);

t.test('niceTicks: steps of 1, 2, 2.5 or 5 times a power of ten, range in whole steps', async (t) => {
  t.same(niceTicks(1.117, 1.321).values, [1.1, 1.15, 1.2, 1.25, 1.3, 1.35]);
  t.same(niceTicks(31.2, 57.4).values, [30, 40, 50, 60]);
  t.same(niceTicks(1, 30, 8, true).values, [0, 5, 10, 15, 20, 25, 30]);
  t.same(niceTicks(1, 3, 8, true).values, [1, 2, 3], 'epochs: integer steps');
  const flat = niceTicks(0.5, 0.5);
  t.ok(flat.lo < 0.5 && flat.hi > 0.5, 'a constant series gets a range around it');
  t.equal(niceTicks(0.31, 0.57).decimals, 1);
  t.equal(niceTicks(1.117, 1.321).decimals, 2);
});

t.test('curves: round tick labels, accuracy in %, epochs labelled', async (t) => {
  const svg = curvesSvg(history(30));
  const yLabels = labelsAt(svg, () => true).filter((s) => /^[\d.]+%?$/.test(s));
  const loss = yLabels.filter((s) => /^\d\.\d+$/.test(s));
  const acc = yLabels.filter((s) => s.endsWith('%'));
  t.ok(loss.length >= 3, `loss ticks ${loss}`);
  for (const l of loss) t.ok(/^\d\.\d$/.test(l) || /^\d\.\d[05]$/.test(l), `loss tick ${l} is round`);
  t.ok(acc.length >= 3, `accuracy ticks ${acc}`);
  for (const a of acc) t.match(a, /^\d+%$/, 'accuracy in whole percent');
  const epochLabels = yLabels.filter((s) => /^\d+$/.test(s)).map(Number);
  t.ok(epochLabels.includes(30) && epochLabels.includes(15), `epochs ${epochLabels}`);
  t.match(svg, />accuracy \(%\)</);
});

t.test('writeCurvesPng writes the PNG and the SVG beside it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'amft-curves-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeCurvesPng(history(5), join(dir, 'curves.png'));
  const meta = await sharp(join(dir, 'curves.png')).metadata();
  t.same([meta.format, meta.width, meta.height], ['png', 960, 360]);
  t.match(await readFile(join(dir, 'curves.svg'), 'utf8'), /^<svg [^>]*viewBox="0 0 960 360"/);
});

t.test('amft export puts the run\'s curves and the confusion matrix in the model card', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'amft-card-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const run = join(dir, 'run');
  await mkdir(join(run, 'checkpoints', 'best'), { recursive: true });
  await writeCurvesPng(history(3), join(run, 'curves.png'));
  await mkdir(join(dir, 'eval'));
  await writeFile(join(dir, 'eval', 'report.json'), JSON.stringify({ data: '/d/fer2013/val', count: 10, accuracy: 0.5, macroF1: 0.4, perClass: {} }));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toFile(join(dir, 'eval', 'confusion.png'));
  const cfg = smallConfig('lite', false);
  const out = join(dir, 'export');
  await runExport(['--checkpoint', join(run, 'checkpoints', 'best'), '--out', out, '--eval-report', join(dir, 'eval', 'report.json')], {
    loadCheckpoint: async () => ({ model: buildModel(cfg), config: cfg, metadata: {} }),
    out: { write: () => {} },
  });
  for (const f of ['curves.png', 'curves.svg', 'confusion.png']) t.ok(existsSync(join(out, f)), `${f} copied`);
  const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
  t.match(card, /!\[Loss and accuracy per epoch, train and validation\]\(curves\.png\)/);
  t.match(card, /!\[Confusion matrix on fer2013\/val\]\(confusion\.png\)/);
});
