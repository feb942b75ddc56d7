#!/usr/bin/env node
// Builds every workspace, type-checks the tests, runs all tap tests (each workspace's test/ and
// the top-level test/), and ends with one line: `N passed, N failed[, N skipped]`.
// Extra arguments are passed to tap (e.g. a file list to run a subset).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

function fail(msg) {
  console.error(msg);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

if (run('npx', ['tsc', '-b']).status !== 0) fail('build failed (tsc -b)');
// tap compiles its plugin set at install time; ours (package.json "tap": tsx instead of its
// ts-node plugin, which TypeScript 7 cannot serve) takes effect only after a rebuild.
if (run('npx', ['tap', 'build'], { stdio: ['inherit', 'ignore', 'inherit'] }).status !== 0) fail('tap build failed');
if (run('npx', ['tsc', '-p', 'tsconfig.tests.json']).status !== 0) fail('type-check of tests failed');

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p);
    return name.endsWith('.test.ts') ? [p.slice(root.length)] : [];
  });
}

const extra = process.argv.slice(2);
const files = extra.length > 0 ? extra : ['shared', 'trainer', 'services'].flatMap((w) => testFiles(join(root, w, 'test'))).concat(testFiles(join(root, 'test')));
const res = run('npx', ['tap', '--reporter=tap', '--jobs=2', ...files], { stdio: ['inherit', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
const out = res.stdout.toString();
process.stdout.write(out);

// tap prints a final summary comment: # { total: N, pass: N, fail: N, skip: N }
const m = [...out.matchAll(/^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, skip: (\d+))?/gm)].pop();
// Count top-level results so a crashed file counts as a failure even without a summary.
const failedFiles = (out.match(/^not ok \d+ /gm) ?? []).length;
const passed = m ? Number(m[2] ?? 0) : 0;
const failed = Math.max(m ? Number(m[3] ?? 0) : 0, failedFiles, res.status !== 0 && failedFiles === 0 && !m ? 1 : 0);
const skipped = m ? Number(m[4] ?? 0) : 0;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || res.status !== 0 ? 1 : 0);
