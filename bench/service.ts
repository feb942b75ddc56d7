// Inference benchmark: the expression model alone in onnxruntime-node, then the built service
// under load from this process (autocannon, 127.0.0.1), and the ratio of the two.
//   npm run bench [-- --model-dir DIR] [--duration 10] [--model-duration 5] [--clients 1,8,32]
//                 [--only model,crops,photos] [--threads N] [--server='--workers 2 --max-files 32']
// Figures are printed and written to bench/results/service.md and service.json (bench/service-summary.ts).
// Nothing is asserted.
// - model: batches of 1 and 32 normalized crops through onnxruntime-node; images/s.
// - crops: POST /predict?detect=never with 48x48 FER2013 validation crops (read at run time from
//   ../shared/data/fer2013/val, see test/shared-data.ts; synthetic crops when it is absent).
// - crops-bulk-32: the same crops, 32 multipart parts per request (the service runs with
//   --max-files 32; its default is 16), 1 and 4 clients; images/s counts images, not requests.
// - photos: POST /predict (detect=auto) with a 640x480 JPEG composed at run time from
//   ../shared/data/faces/astronaut.png (a synthetic photo when it is absent); photos-near: the
//   same with ?faces=near (the detection before faces=all became the default).
// - ten-faces (and ten-faces-near): a composed 1280x720 photo with ten faces; faces/s.
// - group-4k: a composed 4096x3072 photo with twelve faces of 40-400 px, 1 client.
// For each case: images/s, p50/p99 latency, the mean batch the service formed, its event-loop
// delay and its CPU use (both from its /metrics).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { makeModel } from '../services/test/fixtures/make-model.js';
import { parseProm, promValue } from '../services/test/fixtures/prometheus.js';
import { z } from 'zod';
import { benchFlags, names, seconds, serviceFlags } from './flags.js';
import { writeReport } from './report.js';
import { serviceJson, summaryLines, writeServiceJson, type LoadFigure, type ModelFigure } from './service-summary.js';
import { modelOnly } from './service-model.js';
import { startService as startBuiltService } from './service-process.js';
import { group4k, tenFaces } from './photos.js';
import { bulkCropBodies, cropBodies, photoBodies } from './service-inputs.js';

interface InputSet {
  bodies: Buffer[];
  source: string;
  contentType?: string;
  imagesPerRequest?: number;
}

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** prom-client samples the event loop every 10 ms; its delay figures include that interval. */
const EL_INTERVAL_MS = 10;

const CASES = ['model', 'crops', 'crops-bulk-32', 'photos', 'photos-near', 'ten-faces', 'ten-faces-near', 'group-4k'];
const flags = benchFlags(
  z.object({
    ...serviceFlags('--max-files 32'),
    duration: seconds(10, 'Seconds of load per case and client count.'),
    modelDuration: seconds(5, 'Seconds per batch size of the model-only case.'),
    clients: z
      .string()
      .default('1,8,32')
      .transform((v) => v.split(',').map(Number))
      .pipe(z.array(z.number().int().positive()).min(1))
      .meta({ arg: 'a,b', description: 'Concurrent clients of the crops case (the other cases fix theirs).' }),
    only: names(CASES, CASES, 'The cases to run.'),
    threads: z.number().int().positive().optional().meta({ arg: 'n', description: "The service's --threads and the model-only case's onnxruntime threads.", defaultText: "the service's default" }),
    out: z.string().default(join(REPO, 'bench', 'results', 'service.md')).meta({ arg: 'file', description: 'The Markdown report (service.json is written beside it).' }),
  }),
  "npm run bench -- [options]",
);
const duration = flags.duration;
const modelDuration = flags.modelDuration;
const clients = flags.clients;
const only = new Set(flags.only);
const threadsArgs = flags.threads !== undefined ? ['--threads', String(flags.threads)] : [];
const serverArgs = [...threadsArgs, ...flags.server];

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
  const dir = flags.modelDir;
  if (existsSync(join(dir, 'model.onnx')) && existsSync(join(dir, 'metadata.json'))) return { dir, note: '' };
  const fixture = makeModel().dir;
  const note = `${dir} has no model.onnx + metadata.json: using a fixture model (services/test/fixtures/make-model.ts, a tiny 2-conv net), so the figures say little about a real model`;
  log(`note: ${note}`);
  return { dir: fixture, note };
}

// ---- the service ----

async function scrape(url: string) {
  return parseProm(await (await fetch(`${url}/metrics`)).text()).samples;
}

async function load(url: string, path: string, bodies: Buffer[], connections: number, seconds: number, contentType = 'image/jpeg') {
  let next = 0;
  return autocannon({
    url: url + path,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': contentType },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
}

async function facesIn(url: string, path: string, body: Buffer, contentType: string): Promise<number> {
  const r = await fetch(url + path, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
  const json = (await r.json()) as { results?: { faces: unknown[] }[] };
  return json.results?.[0]?.faces.length ?? 0;
}

async function measure(url: string, kind: string, path: string, set: InputSet, connections: number): Promise<LoadFigure> {
  const { bodies, contentType = 'image/jpeg', imagesPerRequest = 1 } = set;
  const facesPerImage = await facesIn(url, path, bodies[0], contentType);
  const before = await scrape(url); // also resets the event-loop delay histogram
  const r = await load(url, path, bodies, connections, duration, contentType);
  const after = await scrape(url);
  const d = (name: string) => promValue(after, name) - promValue(before, name);
  const ok = r['2xx'];
  const fig: LoadFigure = {
    kind,
    clients: connections,
    imagesPerSec: (ok * imagesPerRequest) / duration,
    imagesPerRequest,
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
  let modelFigures: ModelFigure[] = [];
  if (only.has('model')) {
    const { figures, threads } = await modelOnly(dir, [1, 32], { threads: flags.threads ?? 0, seconds: modelDuration });
    modelFigures = figures;
    modelBatch32 = figures.find((f) => f.batch === 32);
    lines.push(`## Model only (onnxruntime-node, CPU, intra-op threads ${threads || "onnxruntime's choice"}, ${modelDuration} s per batch size)`, '');
    lines.push('| batch | images/s | ms per batch | CPU (cores) | images per CPU-second |', '| ---: | ---: | ---: | ---: | ---: |');
    for (const f of figures) lines.push(`| ${f.batch} | ${f0(f.imagesPerSec)} | ${f.msPerBatch.toFixed(2)} | ${f.cpuCores.toFixed(2)} | ${f0(f.imagesPerSec / f.cpuCores)} |`);
    lines.push('');
  }

  const figures: LoadFigure[] = [];
  const cases: [string, string, () => Promise<InputSet>, number[]?][] = [
    ['crops', '/predict?detect=never', cropBodies],
    ['crops-bulk-32', '/predict?detect=never', bulkCropBodies, [1, 4]],
    ['photos', '/predict', photoBodies],
    ['photos-near', '/predict?faces=near', photoBodies],
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
        const set = await make();
        sources.push(`- ${kind} (\`${path}\`): ${set.source}`);
        await load(svc.url, path, set.bodies, 8, 2, set.contentType); // warm the connections and the code paths
        for (const c of caseClients ?? clients) figures.push(await measure(svc.url, kind, path, set, c));
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

  lines.push('## Against the targets (lite model, 2-core CPU)', '', ...summaryLines(modelBatch32, figures));
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
  writeServiceJson(serviceJson({ machine: m, model: `${meta.name} (${meta.variant}) from ${dir}`, date: new Date().toISOString() }, modelFigures, figures), flags.out.replace(/\.md$/, '') + '.json');
}

await main();
