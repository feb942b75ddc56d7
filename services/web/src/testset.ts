/**
 * Test-set view: a `path,label` CSV with its images (or a manifest under the server's data
 * root) goes to POST /evaluate; the page shows accuracy, macro-F1, the per-class table and the
 * confusion matrix as a heatmap (rows: true label, columns: predicted; shade by row share).
 */
import { call, describeError } from './api.js';
import { $, cell, setStatus } from './dom.js';
import { labelColor, pct } from './labels.js';
import type { EvaluateResponse } from './schemas.js';
import { evaluateResponse } from './schemas.js';

export function setupTestSet(): void {
  $('testset-form', HTMLFormElement).addEventListener('submit', (e) => {
    e.preventDefault();
    void evaluate();
  });
}

async function evaluate(): Promise<void> {
  const status = $('testset-status', HTMLElement);
  const csv = $('testset-csv', HTMLInputElement).files?.[0];
  const images = [...($('testset-images', HTMLInputElement).files ?? [])];
  const manifest = $('testset-manifest', HTMLInputElement).value.trim();
  const detect = $('testset-detect', HTMLSelectElement).value;
  const form = new FormData();
  if (csv) {
    form.append('csv', csv, csv.name);
    for (const f of images) form.append('images', f, f.name);
  } else if (manifest) {
    form.append('manifest', manifest);
  } else {
    setStatus(status, 'Choose a CSV (path,label) and its images, or name a manifest under the server’s data root.', 'error');
    return;
  }
  $('testset-results', HTMLElement).hidden = true;
  setStatus(status, csv ? `Evaluating ${csv.name} with ${images.length} image${images.length === 1 ? '' : 's'}…` : `Evaluating ${manifest}…`, 'busy');
  try {
    const { body } = await call('POST', `/evaluate?detect=${encodeURIComponent(detect)}`, evaluateResponse, form);
    setStatus(status, `${body.count} rows evaluated in ${(body.timings.totalMs / 1000).toFixed(1)} s${body.badRowCount ? `; ${body.badRowCount} row${body.badRowCount === 1 ? '' : 's'} left out (below)` : ''}.`, body.badRowCount ? 'warn' : 'ok');
    render(body);
  } catch (err) {
    setStatus(status, `Evaluation failed: ${describeError(err)}`, 'error');
  }
}

function render(r: EvaluateResponse): void {
  $('testset-accuracy', HTMLElement).textContent = pct(r.accuracy, 1);
  $('testset-macro-f1', HTMLElement).textContent = pct(r.macroF1, 1);
  $('testset-count', HTMLElement).textContent = String(r.count);

  const classes = $('testset-classes', HTMLTableElement);
  const head = document.createElement('tr');
  head.append(...['class', 'precision', 'recall', 'F1', 'support'].map((h) => cell('th', h)));
  const rows = r.labels.map((label) => {
    const m = r.perClass[label];
    const tr = document.createElement('tr');
    const name = cell('th', label);
    name.style.borderLeft = `6px solid ${labelColor(label)}`;
    tr.append(name, ...(m ? [pct(m.precision, 1), pct(m.recall, 1), pct(m.f1, 1), String(m.support)] : ['', '', '', '']).map((v) => cell('td', v, 'num')));
    return tr;
  });
  classes.replaceChildren(head, ...rows);

  const cm = $('testset-confusion', HTMLTableElement);
  const top = document.createElement('tr');
  top.append(cell('th', 'true \\ predicted', 'corner'), ...r.labels.map((l) => cell('th', l, 'col')));
  const body = r.confusionMatrix.map((row, i) => {
    const tr = document.createElement('tr');
    const total = row.reduce((a, b) => a + b, 0);
    tr.append(cell('th', r.labels[i] ?? String(i)));
    row.forEach((n, j) => {
      const share = total > 0 ? n / total : 0;
      const c = cell('td', String(n), i === j ? 'num diag' : 'num');
      c.style.background = `rgba(21, 101, 192, ${(0.06 + 0.94 * share).toFixed(3)})`;
      if (share > 0.5) c.style.color = '#fff';
      c.title = `${r.labels[i]} predicted as ${r.labels[j]}: ${n} of ${total} (${pct(share, 1)})`;
      tr.append(c);
    });
    return tr;
  });
  cm.replaceChildren(top, ...body);

  const bad = $('testset-bad', HTMLElement);
  bad.replaceChildren(
    ...r.badRows.slice(0, 20).map((b) => {
      const li = document.createElement('li');
      li.textContent = `line ${b.line}: ${b.reason}`;
      return li;
    }),
  );
  $('testset-results', HTMLElement).hidden = false;
}
