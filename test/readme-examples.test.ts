// The README's API examples are real: every file they post is in the repository, and the
// answers written under them are what the service on models/default answers now (re-run by
// scripts/readme-examples.ts, compared with README.md), each valid against openapi.yaml.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReadme, shellWords, type Exchange } from '../scripts/readme-examples.js';
import { responseErrors } from '../services/test/fixtures/helpers.js';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

t.test('every file the README posts or reads is in the repository', async (t) => {
  const files = [...readme.matchAll(/(?:-F \w+=@|-d @|--data-binary @)([\w][\w./-]*)/g)].map((m) => m[1]);
  t.ok(files.length >= 5, `found ${files.length} posted files`);
  for (const f of files) t.ok(existsSync(join(root, f)), `${f} exists`);
  for (const m of readme.matchAll(/amft predict ([^\s`]+)/g)) t.ok(existsSync(join(root, m[1])), `${m[1]} exists`);
  t.match(readFileSync(join(root, 'examples', 'README.md'), 'utf8'), /public domain/i, 'the sample photo has its provenance');
});

t.test('shell words as curl gets them', async (t) => {
  t.same(shellWords(`curl -s -F image=@a.jpg 'http://x/evaluate?detect=auto' -H "A: b c"`), ['curl', '-s', '-F', 'image=@a.jpg', 'http://x/evaluate?detect=auto', '-H', 'A: b c']);
});

t.test('the README shows what the service answers', async (t) => {
  const exchanges: Exchange[] = [];
  const rendered = await renderReadme(readme, (e) => exchanges.push(e));
  t.same(exchanges.map((e) => e.name).sort(), ['error', 'evaluate', 'predict', 'predict-sequence']);
  for (const e of exchanges) {
    t.same(responseErrors(e.method, e.path, e.status, e.contentType, e.body), [], `${e.name}: the answer matches openapi.yaml`);
  }
  t.equal(exchanges.find((e) => e.name === 'error')?.status, 415);
  t.match(exchanges.find((e) => e.name === 'predict')?.body, { results: [{ faces: [{ expression: { label: 'happy' } }] }] });
  // Compared line by line so a failure shows where: run `npm run readme:examples` after a change.
  const a = readme.split('\n');
  const b = rendered.split('\n');
  const first = a.findIndex((l, i) => l !== b[i]);
  t.equal(first, -1, first < 0 ? 'README.md is up to date' : `README.md line ${first + 1} differs:\n  README:  ${a[first]}\n  service: ${b[first]}\nrun: npm run readme:examples`);
  t.equal(a.length, b.length);
});
