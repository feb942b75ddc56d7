/**
 * The web page's serving (without a browser; test/browser drives it in chromium): GET / and its
 * assets, same-origin only, open when API keys are on; and the page's face tracker.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, startTestServer } from './fixtures/helpers.js';
import { Tracker, iou } from '../web/src/track.js';
import type { Face } from '../web/src/schemas.js';

const KEY = 'web-test-key-0123456789abcdef';

t.test('GET / and its assets', async (t) => {
  const server = await startTestServer({ apiKeys: [KEY] });
  t.teardown(() => server.close());
  const api = server.client;

  const page = await api.get('/');
  t.equal(page.status, 200, 'open without a key');
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('content-security-policy'), /default-src 'self'; script-src 'self'/);
  t.equal(page.text, readFileSync(join(REPO, 'services/web/public/index.html'), 'utf8'));
  t.ok((await api.get('/v1/model')).status === 401, 'the API itself still needs the key');

  // Every script, stylesheet and module import the page loads is served from here.
  const queue = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u.startsWith('/web/'));
  t.ok(queue.includes('/web/main.js') && queue.includes('/web/style.css'), `assets: ${queue}`);
  const seen = new Set<string>();
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await fetch(server.url + path);
    t.equal(r.status, 200, `${path} without a key`);
    const text = await r.text();
    t.notMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${path} names no other origin`);
    if (path.endsWith('.js')) {
      t.match(r.headers.get('content-type'), /javascript/);
      for (const m of text.matchAll(/^import .* from '(\.\/[\w-]+\.js)';$/gm)) queue.push(new URL(m[1], `http://x${path}`).pathname);
    }
  }
  t.ok(seen.size >= 10, `the page's modules (${seen.size} files) all load`);
  for (const hidden of ['/web/main.d.ts', '/web/tsconfig.tsbuildinfo', '/web/..%2f..%2fsrc%2fapp.ts', '/web/nope.js']) {
    const r = await fetch(server.url + hidden);
    t.ok(r.status === 403 || r.status === 404, `${hidden} is not served (${r.status})`);
  }
  for (const u of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) t.match(u, /^(\/|#|data:)/, `${u} is same-origin`);
});

const face = (x: number, probs: number[]): Face => ({
  box: { x, y: 10, width: 40, height: 40 },
  score: 0.9,
  expression: { label: 'x', confidence: Math.max(...probs), probabilities: Object.fromEntries(['happy', 'sad'].map((l, i) => [l, probs[i]])) },
});

t.test('the page tracker: IoU matching and smoothed labels', async (t) => {
  t.equal(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
  t.equal(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 0, width: 10, height: 10 }), 0);
  const tracker = new Tracker({ alpha: 0.5, minIou: 0.3, maxAgeMs: 1000 });
  const a = tracker.update([face(0, [0.9, 0.1]), face(200, [0.2, 0.8])], 0);
  t.same(
    a.map((x) => [x.id, x.label]),
    [
      [1, 'happy'],
      [2, 'sad'],
    ],
  );
  // Both faces move a little and come in the other order: same tracks; one noisy frame is smoothed.
  const b = tracker.update([face(205, [0.3, 0.7]), face(5, [0.4, 0.6])], 100);
  t.same(
    b.map((x) => x.id),
    [2, 1],
  );
  t.equal(b[1].label, 'happy', 'one frame of "sad" does not flip the smoothed label');
  t.same(b[1].smoothed, { happy: 0.65, sad: 0.35 });
  // A face far away is a new track; one unseen for longer than maxAgeMs ends.
  const c = tracker.update([face(400, [0.5, 0.5])], 200);
  t.equal(c[0].id, 3);
  const d = tracker.update([face(5, [1, 0])], 1500);
  t.equal(d[0].id, 4, 'track 1 ended after 1 s unseen');
});
