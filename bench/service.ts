// Inference benchmark: the expression model alone in onnxruntime-node, then the built service
// under load from this process (autocannon, 127.0.0.1), and the ratio of the two.
//   npm run bench [-- --model-dir DIR] [--duration 10] [--model-duration 5] [--clients 1,8,32]
//                 [--only model,crops,photos] [--threads N] [--server='--workers 2 --max-batch 64']
// Figures are printed and written to bench/results/service.md; nothing is asserted.
// - model: batches of 1 and 32 normalized crops through onnxruntime-node; images/s.
// - crops: POST /predict?detect=never with 48x48 FER2013 validation crops (read at run time from
//   ../shared/data/fer2013/val, see test/shared-data.ts; synthetic crops when it is absent).
// - photos: POST /predict (detect=auto) with a 640x480 JPEG composed at run time from
//   ../shared/data/faces/astronaut.png (a synthetic photo when it is absent); photos-near: the
//   same with ?faces=near (the detection before faces=all became the default).
// - ten-faces (and ten-faces-near): a composed 1280x720 photo with ten faces; faces/s.
// - group-4k: a composed 4096x3072 photo with twelve faces of 40-400 px, 1 client.
// For each case: images/s, p50/p99 latency, the mean batch the service formed, its event-loop
// delay and its CPU use (both from its /metrics).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { loadModel } from '../services/src/model/load-model.js';
import { Classifier } from '../services/src/pipeline/infer.js';
import { makeModel } from '../services/test/fixtures/make-model.js';
import { parseProm, promValue } from '../services/test/fixtures/prometheus.js';
import { ASTRONAUT, FER2013 } from '../test/shared-data.js';
import { writeReport } from './report.js';
import { startService as startBuiltService } from './service-process.js';
import { group4k, tenFaces } from './photos.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FER_VAL = join(FER2013, 'val');
/** prom-client samples the event loop every 10 ms; its delay figures include that interval. */
const EL_INTERVAL_MS = 10;

const { values: flags } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: join(REPO, 'models', 'default') },
    duration: { type: 'string', default: '10' },
    'model-duration': { type: 'string', default: '5' },
    clients: { type: 'string', default: '1,8,32' },
    only: { type: 'string', default: 'model,crops,photos,photos-near,ten-faces,ten-faces-near,group-4k' },
    threads: { type: 'string' },
    server: { type: 'string', default: '' },
    out: { type: 'string', default: join(REPO, 'bench', 'results', 'service.md') },
  },
});
const duration = Number(flags.duration);
const modelDuration = Number(flags['model-duration']);
const clients = flags.clients.split(',').map(Number);
const only = new Set(flags.only.split(','));
const threadsArgs = flags.threads !== undefined ? ['--threads', flags.threads] : [];
const serverArgs = [...threadsArgs, ...flags.server.split(/\s+/).filter(Boolean)];

const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- machine and model ----

function machine(): string {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  const ort = (createRequire(join(REPO, 'services', 'package.json'))('onnxruntime-node/package.json') as { version: string }).version;
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  return `${model}, ${availableParallelism()} cores; load average at start ${load} (other processes share these cores); Node ${process.version}, onnxruntime-node ${ort}`;
}

function resolveModel(): { dir: string; note: string } {
  const dir = flags['model-dir'];
  if (existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'metadata.json'))) return { dir, note: '' };
  const fixture = makeModel().dir;
  const note = `${dir} has no model.onnx + metadata.json: using a fixture model (services/test/fixtures/make-model.ts, a tiny 2-conv net), so the figures say little about a real model`;
  log(`note: ${note}`);
  return { dir: fixture, note };
}

// ---- model only ----

interface ModelFigure {
  batch: number;
  imagesPerSec: number;
  msPerBatch: number;
  /** CPU cores the process used meanwhile (onnxruntime's threads included). */
  cpuCores: number;
}

async function modelOnly(dir: string, batches: number[]): Promise<{ figures: ModelFigure[]; threads: number }> {
  const threads = flags.threads !== undefined ? Number(flags.threads) : 0;
  const model = await loadModel(dir, { device: 'cpu', threads });
  const c = new Classifier(model);
  const { channels, height, width } = model.metadata.preprocessing;
  const figures: ModelFigure[] = [];
  try {
    for (const n of batches) {
      const x = new Float32Array(n * channels * height * width).map(() => Math.random() * 2 - 1);
      for (let i = 0; i < 3; i++) await c.classify(x, n);
      let runs = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() - t0 < modelDuration * 1000) {
        await c.classify(x, n);
        runs += 1;
      }
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      figures.push({ batch: n, imagesPerSec: (runs * n) / s, msPerBatch: (s * 1000) / runs, cpuCores: (cpu.user + cpu.system) / 1e6 / s });
      log(`model only, batch ${n}: ${((runs * n) / s).toFixed(0)} images/s`);
    }
  } finally {
    await model.session.release();
  }
  return { figures, threads };
}

// ---- the service ----

async function faceCrops(): Promise<{ bodies: Buffer[]; source: string }> {
  if (existsSync(FER_VAL)) {
    const files = readdirSync(FER_VAL).flatMap((c) =>
      readdirSync(join(FER_VAL, c))
        .filter((f) => f.endsWith('.jpg'))
        .sort()
        .slice(0, 40)
        .map((f) => join(FER_VAL, c, f)),
    );
    return { bodies: files.map((f) => readFileSync(f)), source: `${files.length} FER2013 validation crops, 48x48 gray JPEG` };
  }
  const bodies = await Promise.all(
    Array.from({ length: 64 }, (_, k) => {
      const px = Buffer.alloc(48 * 48);
      for (let i = 0; i < px.length; i++) px[i] = (i * (k + 3) + ((i / 48) | 0) * 7) % 256;
      return sharp(px, { raw: { width: 48, height: 48, channels: 1 } }).jpeg().toBuffer();
    }),
  );
  return { bodies, source: `64 synthetic 48x48 gray JPEG crops (${FER_VAL} is absent)` };
}

async function photo(): Promise<{ bodies: Buffer[]; source: string }> {
  if (existsSync(ASTRONAUT)) {
    const face = await sharp(ASTRONAUT).resize({ height: 480 }).toBuffer();
    const body = await sharp(face).extend({ left: 64, right: 96, background: '#808080' }).jpeg({ quality: 90 }).toBuffer();
    return { bodies: [body], source: `astronaut.png resized to 480 high and padded to 640x480, JPEG q90 (${(body.length / 1024).toFixed(0)} KiB), one face` };
  }
  const px = Buffer.alloc(640 * 480 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 13) % 251;
  const body = await sharp(px, { raw: { width: 640, height: 480, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return { bodies: [body], source: `a synthetic 640x480 JPEG without a face (${ASTRONAUT} is absent)` };
}

async function scrape(url: string) {
  return parseProm(await (await fetch(`${url}/metrics`)).text()).samples;
}

interface LoadFigure {
  kind: string;
  clients: number;
  imagesPerSec: number;
  /** Faces the service finds in one image of the case. */
  facesPerImage: number;
  p50: number;
  p99: number;
  failed: number;
  meanBatch: number;
  elP99: number;
  elMax: number;
  cpuCores: number;
}

async function load(url: string, path: string, bodies: Buffer[], connections: number, seconds: number) {
  let next = 0;
  return autocannon({
    url: url + path,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
}

async function facesIn(url: string, path: string, body: Buffer): Promise<number> {
  const r = await fetch(url + path, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/jpeg' } });
  const json = (await r.json()) as { results?: { faces: unknown[] }[] };
  return json.results?.[0]?.faces.length ?? 0;
}

async function measure(url: string, kind: string, path: string, bodies: Buffer[], connections: number): Promise<LoadFigure> {
  const facesPerImage = await facesIn(url, path, bodies[0]);
  const before = await scrape(url); // also resets the event-loop delay histogram
  const r = await load(url, path, bodies, connections, duration);
  const after = await scrape(url);
  const d = (name: string) => promValue(after, name) - promValue(before, name);
  const ok = r['2xx'];
  const fig: LoadFigure = {
    kind,
    clients: connections,
    imagesPerSec: ok / duration,
    facesPerImage,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failed: r.non2xx + r.errors + r.timeouts,
    meanBatch: d('fer_batch_size_sum') / Math.max(1, d('fer_batch_size_count')),
    elP99: promValue(after, 'nodejs_eventloop_lag_p99_seconds') * 1000 - EL_INTERVAL_MS,
    elMax: promValue(after, 'nodejs_eventloop_lag_max_seconds') * 1000 - EL_INTERVAL_MS,
    cpuCores: d('process_cpu_seconds_total') / duration,
  };
  log(`${kind}, ${connections} clients: ${fig.imagesPerSec.toFixed(0)} images/s, p50 ${fig.p50} ms, p99 ${fig.p99} ms, mean batch ${fig.meanBatch.toFixed(1)}, event-loop delay p99 ${fig.elP99.toFixed(1)} ms`);
  return fig;
}

// ---- report ----

const f0 = (v: number) => v.toFixed(0);
const f1 = (v: number) => v.toFixed(1);

async function main(): Promise<void> {
  const lines: string[] = ['# Inference service benchmark', ''];
  const m = machine();
  const { dir, note } = resolveModel();
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { name: string; variant: string; flopsPerImage: number; preprocessing: { height: number; width: number; channels: number } };
  const p = meta.preprocessing;
  lines.push(`- Machine: ${m}`);
  lines.push(`- Model: ${meta.name} (${meta.variant}), ${(meta.flopsPerImage / 1e6).toFixed(0)} MFLOPs per image, input ${p.height}x${p.width}x${p.channels}, from ${dir}`);
  if (note) lines.push(`- **Note**: ${note}`);
  lines.push(`- ${new Date().toISOString()}; service flags: ${serverArgs.join(' ') || '(defaults)'}; ${duration} s per load case`);
  lines.push('');

  let modelBatch32: ModelFigure | undefined;
  if (only.has('model')) {
    const { figures, threads } = await modelOnly(dir, [1, 32]);
    modelBatch32 = figures.find((f) => f.batch === 32);
    lines.push(`## Model only (onnxruntime-node, CPU, intra-op threads ${threads || "onnxruntime's choice"}, ${modelDuration} s per batch size)`, '');
    lines.push('| batch | images/s | ms per batch | CPU (cores) | images per CPU-second |', '| ---: | ---: | ---: | ---: | ---: |');
    for (const f of figures) lines.push(`| ${f.batch} | ${f0(f.imagesPerSec)} | ${f.msPerBatch.toFixed(2)} | ${f.cpuCores.toFixed(2)} | ${f0(f.imagesPerSec / f.cpuCores)} |`);
    lines.push('');
  }

  const figures: LoadFigure[] = [];
  const cases: [string, string, () => Promise<{ bodies: Buffer[]; source: string }>, number[]?][] = [
    ['crops', '/predict?detect=never', faceCrops],
    ['photos', '/predict', photo],
    ['photos-near', '/predict?faces=near', photo],
    ['ten-faces', '/predict', tenFaces],
    ['ten-faces-near', '/predict?faces=near', tenFaces],
    ['group-4k', '/predict', group4k, [1]],
  ];
  const sources: string[] = [];
  if (cases.some(([k]) => only.has(k))) {
    const svc = await startBuiltService(dir, serverArgs);
    try {
      for (const [kind, path, make, caseClients] of cases) {
        if (!only.has(kind)) continue;
        const { bodies, source } = await make();
        sources.push(`- ${kind} (\`${path}\`): ${source}`);
        await load(svc.url, path, bodies, 8, 2); // warm the connections and the code paths
        for (const c of caseClients ?? clients) figures.push(await measure(svc.url, kind, path, bodies, c));
      }
    } finally {
      await svc.stop();
    }
    lines.push(`## Service under load (autocannon from another process, 127.0.0.1, ${duration} s per case)`, '', ...sources, '');
    lines.push('| images | clients | images/s | faces per image | faces/s | p50 ms | p99 ms | failed | mean batch | event-loop delay p99 / max ms | service CPU (cores) | images per CPU-second | CPU ms per image |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const f of figures) {
      const perCpu = f.imagesPerSec / f.cpuCores;
      lines.push(`| ${f.kind} | ${f.clients} | ${f1(f.imagesPerSec)} | ${f.facesPerImage} | ${f0(f.imagesPerSec * f.facesPerImage)} | ${f.p50} | ${f.p99} | ${f.failed} | ${f1(f.meanBatch)} | ${f1(f.elP99)} / ${f1(f.elMax)} | ${f.cpuCores.toFixed(2)} | ${f0(perCpu)} | ${f1(1000 / perCpu)} |`);
    }
    lines.push('', `Event-loop delay: prom-client's nodejs_eventloop_lag_* over the case, less its ${EL_INTERVAL_MS} ms sampling interval.`, '');
  }

  const crops32 = figures.find((f) => f.kind === 'crops' && f.clients === 32);
  const photos8 = figures.find((f) => f.kind === 'photos' && f.clients === 8);
  lines.push('## Against the targets (lite model, 2-core CPU)', '');
  if (modelBatch32) lines.push(`- model only, batch 32: ${f0(modelBatch32.imagesPerSec)} crops/s (target >= 1,000)`);
  if (crops32 && modelBatch32) {
    const m32 = modelBatch32;
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
    lines.push(`- service on crops at 32 clients: ${f0(crops32.imagesPerSec)} crops/s = ${pct(crops32.imagesPerSec, m32.imagesPerSec)} of model only (target >= 80%)`);
    lines.push(
      `  - per CPU-second (steadier when other processes take a varying share of the cores): ${f0(crops32.imagesPerSec / crops32.cpuCores)} vs ${f0(m32.imagesPerSec / m32.cpuCores)} crops = ${pct(crops32.imagesPerSec / crops32.cpuCores, m32.imagesPerSec / m32.cpuCores)}`,
    );
  }
  if (photos8) lines.push(`- 640x480 photos at 8 clients: ${f0(photos8.imagesPerSec)} images/s (target >= 100), p99 ${photos8.p99} ms (target < 150 ms)`);
  // Detection strategies: faces=all (the default) against faces=near (the detection before it), per CPU-second.
  for (const [all, near] of [
    ['photos', 'photos-near'],
    ['ten-faces', 'ten-faces-near'],
  ]) {
    for (const c of clients) {
      const a = figures.find((f) => f.kind === all && f.clients === c);
      const n = figures.find((f) => f.kind === near && f.clients === c);
      if (a && n) {
        const cost = (f: LoadFigure) => (1000 * f.cpuCores) / f.imagesPerSec;
        lines.push(`- ${all}, ${c} clients: faces=all ${f1(cost(a))} CPU ms per image (${a.facesPerImage} faces), faces=near ${f1(cost(n))} (${n.facesPerImage} faces): ${(cost(a) / cost(n)).toFixed(2)}x the cost`);
      }
    }
  }
  lines.push('');

  writeReport(lines, flags.out);
}

await main();
