#!/usr/bin/env node
// `amft` as npm links it (node_modules/.bin/amft, `npx amft`): runs the built CLI, building the
// workspaces first (tsc -b) when a fresh `npm ci` has left no dist/ yet.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  process.stderr.write('amft: first run, building the workspaces (tsc -b)...\n');
  const res = spawnSync('npx', ['--no-install', 'tsc', '-b'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0 || !existsSync(fileURLToPath(cli))) {
    process.stderr.write('amft: the build failed; run `npm run build` in the repository and retry\n');
    process.exit(1);
  }
}
await import(cli.href);
