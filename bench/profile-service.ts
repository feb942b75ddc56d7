// Where the service's CPU goes: the built service under node --cpu-prof, loaded by autocannon
// with the benchmark's crops (detect=never, 32 clients), crops-bulk-32 (32 crops per request,
// 4 clients, --max-files 32) and photos (8 clients) cases, one service per case; prints each
// thread's top costs (self time by package or file, bench/cpu-profile.ts) and its busy ms per
// image answered, counting only the samples taken under load (not the start-up).
//   npx tsx bench/profile-service.ts [--duration 8] [--only crops,crops-bulk-32,photos] [--server='--workers 1'] [--keep]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { z } from 'zod';
import { profileCosts, readProfile } from './cpu-profile.js';
import { benchFlags, names, seconds, serviceFlags } from './flags.js';
import { cpuDelta, threadCpuMs } from './thread-cpu.js';
import { startService } from './service-process.js';
import { bulkCropBodies, cropBodies, photoBodies } from './service-inputs.js';

const CASES = ['crops', 'crops-bulk-32', 'photos'];
const flags = benchFlags(
  z.object({
    ...serviceFlags(),
    duration: seconds(8, 'Seconds of load per case.'),
    only: names(CASES, CASES, 'The cases to run.'),
    top: z.number().int().positive().default(12).meta({ arg: 'n', description: 'Rows per thread in the cost table.' }),
    keep: z.boolean().default(false).meta({ description: 'Keep the .cpuprofile files (their directory is printed).' }),
  }),
  'npx tsx bench/profile-service.ts [options]',
);
type Inputs = { bodies: Buffer[]; contentType?: string; imagesPerRequest?: number };
const cases: [string, string, () => Promise<Inputs>, number, string[]][] = [
  ['crops', '/predict?detect=never', cropBodies, 32, []],
  ['crops-bulk-32', '/predict?detect=never', bulkCropBodies, 4, ['--max-files', '32']],
  ['photos', '/predict', photoBodies, 8, []],
];
for (const [kind, path, make, connections, caseArgs] of cases) {
  if (!flags.only.includes(kind)) continue;
  const dir = mkdtempSync(join(tmpdir(), 'amft-prof-'));
  const { bodies, contentType = 'image/jpeg', imagesPerRequest = 1 } = await make();
  const svc = await startService(flags.modelDir, [...caseArgs, ...flags.server], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let next = 0;
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const fromUs = nowUs();
  const cpu0 = threadCpuMs(svc.pid);
  const r = await autocannon({
    url: svc.url + path,
    connections,
    duration: flags.duration,
    method: 'POST',
    headers: { 'content-type': contentType },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  const window = { fromUs, toUs: nowUs() };
  const threads = cpuDelta(cpu0, threadCpuMs(svc.pid));
  await svc.stop();
  const images = r['2xx'] * imagesPerRequest;
  console.log(`\n## ${kind} (${path}, ${connections} clients, ${flags.duration} s): ${images} images answered`);
  // CPU time proper, per thread (the profiles below sample wall time, which other processes on the cores stretch).
  const total = threads.reduce((s, [, ms]) => s + ms, 0);
  console.log(`\nCPU per image by thread (/proc): ${(total / Math.max(1, images)).toFixed(3)} ms in all`);
  console.log('| thread | CPU ms per image |\n| --- | ---: |');
  const small = threads.filter(([, ms]) => ms < total / 50);
  for (const [name, ms] of threads.filter(([, ms]) => ms >= total / 50)) console.log(`| ${name} | ${(ms / Math.max(1, images)).toFixed(3)} |`);
  console.log(`| ${small.length} other threads | ${(small.reduce((s, [, ms]) => s + ms, 0) / Math.max(1, images)).toFixed(3)} |`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const f of files) {
    const { busyMs, rows } = profileCosts(readProfile(join(dir, f)), window);
    console.log(`\n${f}: ${(busyMs / 1000).toFixed(2)} s busy, ${(busyMs / Math.max(1, images)).toFixed(2)} ms per image`);
    console.log('| where | share of busy |\n| --- | ---: |');
    for (const row of rows.slice(0, flags.top)) console.log(`| ${row.group} | ${(100 * row.share).toFixed(1)}% |`);
  }
  if (flags.keep) console.log(`\nprofiles kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
