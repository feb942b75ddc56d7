// bench/service-summary.ts: the JSON written to bench/results/service.json and the summary lines
// against issue #14's targets, from given figures (nothing is timed).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { serviceJson, summaryLines, writeServiceJson, type LoadFigure, type ModelFigure } from '../../bench/service-summary.js';

const model32: ModelFigure = { batch: 32, imagesPerSec: 1200, msPerBatch: 26.67, cpuCores: 1.5 };
const fig = (kind: string, clients: number, over: Partial<LoadFigure> = {}): LoadFigure => ({
  kind,
  clients,
  imagesPerSec: 500,
  facesPerImage: 1,
  p50: 40,
  p99: 120,
  failed: 0,
  meanBatch: 12.5,
  elP99: 3,
  elMax: 9,
  cpuCores: 1,
  ...over,
});

t.test('summary lines name the figures against the targets', async (t) => {
  const load = [fig('crops', 1), fig('crops', 32, { imagesPerSec: 960, cpuCores: 1.6 }), fig('photos', 8, { imagesPerSec: 101.4, p99: 149 })];
  t.same(summaryLines(model32, load), [
    '- model only, batch 32: 1200 crops/s (target >= 1,000)',
    '- service on crops at 32 clients: 960 crops/s = 80% of model only (target >= 80%)',
    '  - per CPU-second (steadier when other processes take a varying share of the cores): 600 vs 800 crops = 75%',
    '- 640x480 photos at 8 clients: 101 images/s (target >= 100), p99 149 ms (target < 150 ms)',
  ]);
});

t.test('a case not run leaves its line out', async (t) => {
  t.same(summaryLines(undefined, [fig('photos', 8)]), ['- 640x480 photos at 8 clients: 500 images/s (target >= 100), p99 120 ms (target < 150 ms)']);
  t.same(summaryLines(model32, [fig('crops', 8)]), ['- model only, batch 32: 1200 crops/s (target >= 1,000)']);
});

t.test('service.json: model only and each case per client count, images per CPU-second', async (t) => {
  const json = serviceJson({ machine: 'm', model: 'lite', date: '2026-12-05T00:00:00.000Z' }, [model32], [
    fig('crops', 1, { imagesPerSec: 100, cpuCores: 0.4 }),
    fig('crops', 32),
    fig('crops-bulk-32', 1, { imagesPerSec: 640, cpuCores: 0.8, imagesPerRequest: 32 }),
  ]);
  t.same(json.modelOnly, [{ batch: 32, imagesPerSec: 1200, msPerBatch: 26.67, cpuCores: 1.5, imagesPerCpuSecond: 800 }]);
  t.same(Object.keys(json.cases), ['crops', 'crops-bulk-32']);
  t.same(
    json.cases.crops.map((c) => [c.clients, c.imagesPerSec, c.imagesPerCpuSecond, c.p50Ms, c.p99Ms, c.imagesPerRequest]),
    [
      [1, 100, 250, 40, 120, 1],
      [32, 500, 500, 40, 120, 1],
    ],
  );
  t.equal(json.cases['crops-bulk-32'][0].imagesPerCpuSecond, 800);
  t.equal(json.cases['crops-bulk-32'][0].imagesPerRequest, 32);
  const out = join(mkdtempSync(join(tmpdir(), 'amft-bench-')), 'results', 'service.json');
  writeServiceJson(json, out);
  t.same(JSON.parse(readFileSync(out, 'utf8')), json);
});

t.test('no CPU figure gives 0 per CPU-second, not Infinity', async (t) => {
  const json = serviceJson({ machine: 'm', model: 'lite', date: 'd' }, [], [fig('photos', 8, { cpuCores: 0 })]);
  t.equal(json.cases.photos[0].imagesPerCpuSecond, 0);
  t.match(JSON.stringify(json), /"imagesPerCpuSecond":0/);
});
