// Where the service's CPU goes: the built service under node --cpu-prof, loaded by autocannon
// with the benchmark's crops (detect=never, 32 clients) and photos (8 clients) cases, one
// service per case; prints each thread's top costs (self time by package or file, bench/cpu-profile.ts).
//   npx tsx bench/profile-service.ts [--duration 8] [--only crops,photos] [--server='--workers 1'] [--keep]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { profileCosts, readProfile } from './cpu-profile.js';
import { startService } from './service-process.js';
import { cropBodies, photoBodies } from './service-inputs.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: join(REPO, 'models', 'default') },
    duration: { type: 'string', default: '8' },
    only: { type: 'string', default: 'crops,photos' },
    server: { type: 'string', default: '' },
    top: { type: 'string', default: '12' },
    keep: { type: 'boolean', default: false },
  },
});
const cases: [string, string, () => Promise<{ bodies: Buffer[] }>, number][] = [
  ['crops', '/predict?detect=never', cropBodies, 32],
  ['photos', '/predict', photoBodies, 8],
];
for (const [kind, path, make, connections] of cases) {
  if (!flags.only.split(',').includes(kind)) continue;
  const dir = mkdtempSync(join(tmpdir(), 'amft-prof-'));
  const { bodies } = await make();
  const svc = await startService(flags['model-dir'], flags.server.split(/\s+/).filter(Boolean), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let next = 0;
  const r = await autocannon({
    url: svc.url + path,
    connections,
    duration: Number(flags.duration),
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  await svc.stop();
  console.log(`\n## ${kind} (${path}, ${connections} clients, ${flags.duration} s): ${r['2xx']} answered`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const f of files) {
    const { busyMs, rows } = profileCosts(readProfile(join(dir, f)));
    console.log(`\n${f}: ${(busyMs / 1000).toFixed(2)} s busy`);
    console.log('| where | share of busy |\n| --- | ---: |');
    for (const row of rows.slice(0, Number(flags.top))) console.log(`| ${row.group} | ${(100 * row.share).toFixed(1)}% |`);
  }
  if (flags.keep) console.log(`\nprofiles kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
