// Hostile-load figures for the service (issue #12 items 2 and 4), printed and written to
// bench/results/hostile.md; nothing is asserted (the behaviour is tested in test/hostile/).
//   npx tsx bench/hostile.ts [--model-dir DIR] [--duration 10] [--only overload,memory] [--server='--workers 2']
// - overload: POST /predict with 16 640x480 photos per request, from 8 and then 64 clients;
//   photos/s answered, requests refused (503), and the ratio 64 : 8 (goal: at least 80%).
// - memory: 64 clients each sending the worst legal request (images whose decoded pixels add up
//   to just under --max-request-pixels: two 5000x5000 PNGs and one 3700x3700) for the duration;
//   the server's peak RSS (VmHWM from /proc; goal: under 1 GB).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { makeModel } from '../services/test/fixtures/make-model.js';
import { ASTRONAUT } from '../test/shared-data.js';
import { z } from 'zod';
import { benchFlags, names, seconds, serviceFlags } from './flags.js';
import { writeReport } from './report.js';
import { startService } from './service-process.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const flags = benchFlags(
  z.object({
    ...serviceFlags(),
    duration: seconds(10, 'Seconds of load per case.'),
    only: names(['overload', 'memory'], ['overload', 'memory'], 'The cases to run.'),
    out: z.string().default(join(REPO, 'bench', 'results', 'hostile.md')).meta({ arg: 'file', description: 'The Markdown report.' }),
  }),
  'npx tsx bench/hostile.ts [options]',
);
const duration = flags.duration;
const only = new Set(flags.only);
const serverArgs = flags.server;
const log = (s: string) => process.stderr.write(`${s}\n`);

const BOUNDARY = 'hostile-bench-boundary';

/** One multipart body with every image as a file part. */
function multipartBody(images: Buffer[], type: string): Buffer {
  const parts = images.flatMap((img, i) => [Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="${i}"\r\nContent-Type: ${type}\r\n\r\n`), img, Buffer.from('\r\n')]);
  return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

async function photo(): Promise<Buffer> {
  if (existsSync(ASTRONAUT)) {
    const face = await sharp(ASTRONAUT).resize({ height: 480 }).toBuffer();
    return sharp(face).extend({ left: 64, right: 96, background: '#808080' }).jpeg({ quality: 90 }).toBuffer();
  }
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#807060' } }).jpeg().toBuffer();
}

const flatPng = (side: number) => sharp({ create: { width: side, height: side, channels: 3, background: { r: 120, g: 90, b: 60 } } }).png({ compressionLevel: 9 }).toBuffer();

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? NaN) / 1024;
}

interface Load {
  ok: number;
  refused: number;
  other: number;
  p50: number;
  p99: number;
}

async function load(url: string, body: Buffer, connections: number, seconds: number): Promise<Load> {
  const r = await autocannon({ url: `${url}/predict`, connections, duration: seconds, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body, timeout: 60 });
  const refused = (r.statusCodeStats as Record<string, { count: number } | undefined>)['503']?.count ?? 0;
  return { ok: r['2xx'], refused, other: r.non2xx - refused + r.errors + r.timeouts, p50: r.latency.p50, p99: r.latency.p99 };
}

async function main(): Promise<void> {
  const dir = existsSync(join(flags.modelDir, 'model.onnx')) ? flags.modelDir : makeModel().dir;
  const lines = ['# Hostile-load benchmark', ''];
  lines.push(`- Machine: ${availableParallelism()} cores, load average at start ${loadavg().map((l) => l.toFixed(2)).join(', ')} (shared); Node ${process.version}`);
  lines.push(`- Model: ${dir}; service flags: ${serverArgs.join(' ') || '(defaults)'}; ${duration} s per case; ${new Date().toISOString()}`, '');

  if (only.has('overload')) {
    const body = multipartBody(Array(16).fill(await photo()), 'image/jpeg');
    const svc = await startService(dir, serverArgs);
    try {
      await load(svc.url, body, 4, 2); // warm up
      const rows: [number, Load][] = [];
      for (const c of [8, 64]) {
        const r = await load(svc.url, body, c, duration);
        log(`overload, ${c} clients: ${((16 * r.ok) / duration).toFixed(0)} photos/s, ${r.refused} refused`);
        rows.push([c, r]);
      }
      lines.push('## Overload: 16 photos (640x480 JPEG) per request', '');
      lines.push('| clients | photos/s answered | requests answered | refused (503) | other failures | p50 / p99 ms |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [c, r] of rows) lines.push(`| ${c} | ${((16 * r.ok) / duration).toFixed(0)} | ${r.ok} | ${r.refused} | ${r.other} | ${r.p50} / ${r.p99} |`);
      const [, at8] = rows[0];
      const [, at64] = rows[1];
      lines.push('', `64 clients get ${((100 * at64.ok) / Math.max(1, at8.ok)).toFixed(0)}% of the photos/s that 8 clients get (goal: at least 80%).`, '');
    } finally {
      await svc.stop();
    }
  }

  if (only.has('memory')) {
    const body = multipartBody([await flatPng(5000), await flatPng(5000), await flatPng(3700)], 'image/png');
    const svc = await startService(dir, serverArgs);
    try {
      const before = peakRss(svc.pid);
      const r = await load(svc.url, body, 64, duration);
      const peak = peakRss(svc.pid);
      log(`memory, 64 clients: peak RSS ${peak.toFixed(0)} MiB`);
      lines.push('## Memory: 64 clients, each sending the worst legal request', '');
      lines.push(`Two 5000x5000 PNGs and one 3700x3700 (63.7 M decoded pixels, ${(body.length / 1024).toFixed(0)} KiB), from 64 clients for ${duration} s:`, '');
      lines.push('| peak RSS before | peak RSS after | requests answered | refused (503) | other failures | p50 / p99 ms |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
      lines.push(`| ${before.toFixed(0)} MiB | ${peak.toFixed(0)} MiB | ${r.ok} | ${r.refused} | ${r.other} | ${r.p50} / ${r.p99} |`, '');
      lines.push(`Goal: peak RSS under 1 GB (1024 MiB): ${peak < 1024 ? 'met' : 'NOT met'}.`, '');
    } finally {
      await svc.stop();
    }
  }

  writeReport(lines, flags.out);
}

await main();
