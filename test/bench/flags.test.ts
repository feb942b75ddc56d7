// The bench scripts' flags (bench/flags.ts): --help lists every flag from the script's zod object,
// a bad value or an unknown flag exits 2 naming it, before anything is started or measured.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const tsx = (script: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}.ts`, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });

t.test('--help lists the flags with their defaults', async (t) => {
  const r = tsx('hostile', '--help');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^usage: npx tsx bench\/hostile\.ts \[options\]/);
  t.match(r.stdout, /--duration <s>\n\s+Seconds of load per case\. Default: 10\./);
  t.match(r.stdout, /--only <a,b>\n\s+The cases to run\. Default: overload,memory\./);
  t.match(r.stdout, /--server <'--flag value \.\.\.'>\n\s+Extra flags for the service .* Default: none\./);
});

t.test('a bad value, an unknown case or an unknown flag exits 2 and names it', async (t) => {
  const cases: [string, string[], RegExp][] = [
    ['hostile', ['--duration', 'abc'], /^--duration: .*number/],
    ['profile-service', ['--only', 'crops,nope'], /^--only: unknown: nope \(known: crops, crops-bulk-32, photos\)/],
    ['recipes', ['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [script, args, message] of cases) {
    const r = tsx(script, ...args);
    t.equal(r.status, 2, `${script} ${args.join(' ')}: exit 2`);
    t.match(r.stderr, message);
    t.match(r.stderr, /\(try --help\)/);
    t.equal(r.stdout, '', 'nothing was run');
  }
});
