// The service benchmark's machine-readable output (bench/results/service.json) and its summary
// lines against the targets of issue #14, from the figures bench/service.ts measured. Pure
// functions, so a unit test checks them (test/bench/service-summary.test.ts); nothing is timed here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ModelFigure {
  batch: number;
  imagesPerSec: number;
  msPerBatch: number;
  /** CPU cores the process used meanwhile (onnxruntime's threads included). */
  cpuCores: number;
}

export interface LoadFigure {
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
  /** Cores of the service process (all its threads) over the case. */
  cpuCores: number;
  /** Images each request carried (1 unless a bulk case). */
  imagesPerRequest?: number;
}

export interface CaseJson {
  clients: number;
  imagesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  imagesPerCpuSecond: number;
  cpuCores: number;
  failed: number;
  meanBatch: number;
  facesPerImage: number;
  imagesPerRequest: number;
}

export interface ServiceJson {
  machine: string;
  model: string;
  date: string;
  note: string;
  modelOnly: { batch: number; imagesPerSec: number; msPerBatch: number; cpuCores: number; imagesPerCpuSecond: number }[];
  /** Per case (crops, photos, ...), one entry per client count. */
  cases: Record<string, CaseJson[]>;
}

const perCpu = (imagesPerSec: number, cores: number) => (cores > 0 ? imagesPerSec / cores : 0);
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

export function serviceJson(head: { machine: string; model: string; date: string }, model: readonly ModelFigure[], load: readonly LoadFigure[]): ServiceJson {
  const cases: Record<string, CaseJson[]> = {};
  for (const f of load) {
    (cases[f.kind] ??= []).push({
      clients: f.clients,
      imagesPerSec: round(f.imagesPerSec),
      p50Ms: f.p50,
      p99Ms: f.p99,
      imagesPerCpuSecond: round(perCpu(f.imagesPerSec, f.cpuCores)),
      cpuCores: round(f.cpuCores, 2),
      failed: f.failed,
      meanBatch: round(f.meanBatch),
      facesPerImage: f.facesPerImage,
      imagesPerRequest: f.imagesPerRequest ?? 1,
    });
  }
  return {
    ...head,
    note: 'wall-clock figures depend on what else runs on the cores; images per CPU-second (the service process, all its threads) are the steadier figure',
    modelOnly: model.map((m) => ({ ...m, imagesPerSec: round(m.imagesPerSec), msPerBatch: round(m.msPerBatch, 2), cpuCores: round(m.cpuCores, 2), imagesPerCpuSecond: round(perCpu(m.imagesPerSec, m.cpuCores)) })),
    cases,
  };
}

const f0 = (v: number) => v.toFixed(0);
const pct = (a: number, b: number) => `${b > 0 ? ((100 * a) / b).toFixed(0) : '0'}%`;

/** The summary lines against the targets; a line is left out when its case was not run. */
export function summaryLines(model32: ModelFigure | undefined, load: readonly LoadFigure[]): string[] {
  const lines: string[] = [];
  const crops32 = load.find((f) => f.kind === 'crops' && f.clients === 32);
  const photos8 = load.find((f) => f.kind === 'photos' && f.clients === 8);
  if (model32) lines.push(`- model only, batch 32: ${f0(model32.imagesPerSec)} crops/s (target >= 1,000)`);
  if (crops32 && model32) {
    const a = perCpu(crops32.imagesPerSec, crops32.cpuCores);
    const b = perCpu(model32.imagesPerSec, model32.cpuCores);
    lines.push(`- service on crops at 32 clients: ${f0(crops32.imagesPerSec)} crops/s = ${pct(crops32.imagesPerSec, model32.imagesPerSec)} of model only (target >= 80%)`);
    lines.push(`  - per CPU-second (steadier when other processes take a varying share of the cores): ${f0(a)} vs ${f0(b)} crops = ${pct(a, b)}`);
  }
  if (photos8) lines.push(`- 640x480 photos at 8 clients: ${f0(photos8.imagesPerSec)} images/s (target >= 100), p99 ${photos8.p99} ms (target < 150 ms)`);
  return lines;
}

export function writeServiceJson(json: ServiceJson, out: string): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
  process.stderr.write(`written to ${out}\n`);
}
