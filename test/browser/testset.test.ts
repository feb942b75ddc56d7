// The test-set view in Debian's chromium against the real server (bundled default model): a
// path,label CSV with FER2013 validation crops (read from ../shared/data at test time) goes to
// /evaluate, and the page shows accuracy, macro-F1, the per-class table and the confusion matrix
// as a heatmap, with the numbers of the response.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '@amft/shared';
import { ferCrops, startTestServer } from '../../services/test/fixtures/helpers.js';
import { BROWSER_SKIP, DEFAULT_MODEL, launch, screenshot, watchedPage } from './browser.js';

const PER_CLASS = 4;

t.test('test-set view', { skip: BROWSER_SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'amft-testset-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const crops = LABELS.flatMap((label) => ferCrops(label, PER_CLASS).map((c) => ({ ...c, label })));
  const csv = join(dir, 'val-sample.csv');
  writeFileSync(csv, ['path,label', ...crops.map((c) => `${c.name},${c.label}`), 'missing.jpg,happy'].join('\n'));

  const server = await startTestServer({ modelDir: DEFAULT_MODEL, workers: 1 });
  t.teardown(() => server.close());
  const browser = await launch();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const w = await watchedPage(context);
  const { page } = w;
  await page.goto(`${server.url}/`);
  await page.click('[data-view="testset"]');

  t.test('nothing chosen: a message', async (t) => {
    await page.click('#testset-form button[type=submit]');
    t.match(await page.locator('#testset-status').textContent(), /Choose a CSV/);
  });

  t.test('a manifest on a server without a data root: the service message', async (t) => {
    await page.fill('#testset-manifest', 'val/labels.csv');
    await page.click('#testset-form button[type=submit]');
    await page.locator('#testset-status[data-kind="error"]').waitFor();
    t.match(await page.locator('#testset-status').textContent(), /no data root configured.*FER_ERR_NO_DATA_ROOT/);
    await page.fill('#testset-manifest', '');
  });

  t.test('CSV + crops: metrics, per-class table, confusion heatmap', async (t) => {
    await page.setInputFiles('#testset-csv', csv);
    await page.setInputFiles(
      '#testset-images',
      crops.map((c) => c.path),
    );
    const answered = page.waitForResponse((r) => r.url().includes('/evaluate'));
    await page.click('#testset-form button[type=submit]');
    const res = await answered;
    t.equal(res.status(), 200);
    const report = (await res.json()) as { count: number; accuracy: number; macroF1: number; confusionMatrix: number[][]; badRowCount: number; perClass: Record<string, { support: number }> };
    t.equal(report.count, crops.length);
    t.equal(report.badRowCount, 1, 'the row without an image is left out');
    await page.locator('#testset-results').waitFor({ state: 'visible' });

    t.equal(await page.locator('#testset-accuracy').textContent(), `${(100 * report.accuracy).toFixed(1)}%`);
    t.equal(await page.locator('#testset-macro-f1').textContent(), `${(100 * report.macroF1).toFixed(1)}%`);
    t.match(await page.locator('#testset-status').textContent(), new RegExp(`${crops.length} rows evaluated .*; 1 row left out`));
    t.match(await page.locator('#testset-bad').textContent(), /line \d+: no uploaded file named 'missing\.jpg'/);

    const classRows = await page.locator('#testset-classes tr').allTextContents();
    t.equal(classRows.length, 1 + LABELS.length, 'header + one row per class');
    for (const [i, label] of LABELS.entries()) t.match(classRows[i + 1], new RegExp(`^${label}.*${report.perClass[label].support}$`), `${label} row`);

    const matrix = await page.locator('#testset-confusion tr').evaluateAll((rows) => rows.slice(1).map((r) => [...r.querySelectorAll('td')].map((c) => ({ n: Number(c.textContent), bg: getComputedStyle(c).backgroundColor }))));
    t.same(
      matrix.map((r) => r.map((c) => c.n)),
      report.confusionMatrix,
      'the heatmap shows the confusion matrix',
    );
    // Shade by share of the row: a cell holding a whole row is darker than an empty one.
    const alpha = (bg: string) => Number(/rgba?\([^)]*,\s*([\d.]+)\)$/.exec(bg)?.[1] ?? 1);
    const cells = matrix.flatMap((r, i) => r.map((c) => ({ ...c, share: c.n / report.confusionMatrix[i].reduce((a, b) => a + b, 0) })));
    const darkest = cells.reduce((a, b) => (b.share > a.share ? b : a));
    const empty = cells.find((c) => c.n === 0);
    t.ok(empty && alpha(darkest.bg) > alpha(empty.bg) + 0.2, `shaded by share (${darkest.bg} vs ${empty?.bg})`);
    await screenshot(page, 'testset');
  });

  t.test('no page errors, no request off 127.0.0.1', async (t) => {
    t.same(w.errors, []);
    t.same(w.foreign, []);
    t.same(w.failed, ['400 POST /evaluate'], 'only the manifest refusal');
  });
});
