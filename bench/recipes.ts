// Recipe candidates at equal CPU time (issue #18 item 4).
//   npm run bench:recipes -- [--budget-min 20] [--max-samples N] [--val-max-samples N]
//                            [--only baseline,mixup,...] [--force] [--list] [--card card.json] [--report]
// Trains each candidate with `amft train --cpu-budget-min <m>` (process CPU time, all threads; the
// warm-up + cosine schedule spread over the budget), on ../shared/data/fer2013/train with val on
// ../shared/data/fer2013/val, and writes bench/results/recipes.{md,json}: CPU minutes, steps,
// images seen, val accuracy, macro-F1, per-class recall, neutral precision, and the exact command
// of every row. Each candidate's row is saved as soon as it finishes; a candidate whose row is
// there with the same command is skipped (--force runs it again), so the comparison can be run in
// pieces (--only). A candidate killed midway starts over. The baseline is the default run's recipe
// (scripts/default-run.sh); every other candidate changes one thing (two for logit adjustment
// without class weights, the way Menon et al. use it). --card writes the rows as the `recipe`
// table of an `amft export --card` file (other fields of that file are kept); --report writes the
// table and the card from the saved rows without running anything.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LABELS } from '@amft/shared';
import { z } from 'zod';
import { CardRecipe } from '../trainer/src/export/model-card.js';
import type { BudgetResult } from '../trainer/src/train/cpu-budget.js';
import { benchFlags, names } from './flags.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Candidate {
  name: string;
  change: string;
  /** `amft train` flags that differ from the baseline (flag name without --, value) */
  flags: Record<string, string>;
}

/** The default run's recipe: lite, AdamW 1e-3 cosine, smoothing 0.1, sqrt-weighted, crop/flip/rotation/jitter. */
export const BASELINE: Record<string, string> = { variant: 'lite', balance: 'sqrt-weighted', seed: '42' };

export const CANDIDATES: Candidate[] = [
  { name: 'baseline', change: "the default run's recipe", flags: {} },
  { name: 'random-erasing', change: '+ random erasing p 0.5', flags: { 'random-erasing': '0.5' } },
  { name: 'mixup', change: '+ mixup alpha 0.2', flags: { mixup: '0.2' } },
  { name: 'cutmix', change: '+ cutmix alpha 1', flags: { cutmix: '1' } },
  { name: 'logit-adjust', change: '+ logit-adjusted loss tau 1 (on top of sqrt weights)', flags: { 'logit-adjust': '1' } },
  { name: 'logit-adjust-unweighted', change: 'logit-adjusted loss tau 1 instead of class weights', flags: { 'logit-adjust': '1', balance: 'none' } },
  { name: 'balance-none', change: 'no class balancing', flags: { balance: 'none' } },
  { name: 'balance-weighted', change: 'inverse-frequency class weights', flags: { balance: 'weighted' } },
  { name: 'balance-sampler', change: 'class-balanced batches', flags: { balance: 'sampler' } },
  { name: 'sgd', change: 'SGD momentum 0.9, lr 0.05 (instead of AdamW 1e-3)', flags: { optimizer: 'sgd', lr: '0.05' } },
  { name: 'lr-2e-3', change: 'AdamW peak lr 2e-3', flags: { lr: '0.002' } },
  { name: 'no-label-smoothing', change: 'label smoothing 0', flags: { 'label-smoothing': '0' } },
  { name: 'wider', change: 'lite widths 48,96,192,256', flags: { widths: '48,96,192,256' } },
  { name: 'deeper', change: 'lite blocks 2,2,2,2', flags: { blocks: '2,2,2,2' } },
];

/** Candidates the issue names that this comparison does not run, and why (rows of the card's table). */
export const NOT_RUN: { name: string; change: string; why: string }[] = [
  {
    name: 'progressive-resizing',
    change: 'train at 32x32, then 48x48',
    why:
      "not run: lite's learned positional embeddings are tied to its 6x6 token grid at 48x48 (4x4 at 32x32), so a smaller size needs a different model or resampled embeddings; " +
      'FER2013 images are 48x48, and a lite step is already cheap (81 MFLOPs per image)',
  },
];

export interface RecipeOptions {
  budgetMin: number;
  train: string;
  val: string;
  maxSamples?: number;
  valMaxSamples?: number;
  /** results file stem: <stem>.md, <stem>.json; run directories under <stem>-runs/ */
  results: string;
  only?: string[];
  force?: boolean;
  /** trainer CLI, relative to the repository root */
  cli?: string;
  log?: (line: string) => void;
}

export const Row = z.object({
  candidate: z.string(),
  change: z.string(),
  command: z.string(),
  cpuMinutes: z.number(),
  steps: z.number(),
  imagesSeen: z.number(),
  epochs: z.number(),
  valAccuracy: z.number(),
  macroF1: z.number(),
  recall: z.record(z.string(), z.number()),
  neutralPrecision: z.number(),
  wallSeconds: z.number(),
  finishedAt: z.string(),
});
export type Row = z.infer<typeof Row>;
const Results = z.object({ rows: z.array(Row) });

/** The exact `amft train` argument list of a candidate (paths as given, relative to the repository root). */
export function candidateArgs(c: Candidate, o: RecipeOptions): string[] {
  const flags: Record<string, string> = { ...BASELINE, ...c.flags };
  const args = ['train', '--data', o.train, '--val-data', o.val];
  if (o.maxSamples !== undefined) args.push('--max-samples', String(o.maxSamples));
  if (o.valMaxSamples !== undefined) args.push('--val-max-samples', String(o.valMaxSamples));
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  args.push('--cpu-budget-min', String(o.budgetMin), '--cache-dir', `${o.results}-cache`, '--out', join(`${o.results}-runs`, c.name));
  return args;
}

export const commandLine = (o: RecipeOptions, args: string[]) => ['node', o.cli ?? 'trainer/dist/cli.js', ...args].join(' ');

async function readRows(path: string): Promise<Row[]> {
  if (!existsSync(path)) return [];
  return Results.parse(JSON.parse(await readFile(path, 'utf8'))).rows;
}

/** Runs the candidates not yet in the results (or all with `force`); returns every row, in candidate order. */
export async function runRecipes(o: RecipeOptions, candidates: Candidate[] = CANDIDATES): Promise<{ rows: Row[]; ran: string[]; skipped: string[] }> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const jsonPath = resolve(ROOT, `${o.results}.json`);
  let rows = await readRows(jsonPath);
  const ran: string[] = [];
  const skipped: string[] = [];
  const chosen = o.only ? candidates.filter((c) => o.only!.includes(c.name)) : candidates;
  const unknown = o.only?.filter((n) => !candidates.some((c) => c.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown candidates: ${unknown.join(', ')} (known: ${candidates.map((c) => c.name).join(', ')})`);
  for (const c of chosen) {
    const args = candidateArgs(c, o);
    const command = commandLine(o, args);
    if (!o.force && rows.some((r) => r.candidate === c.name && r.command === command)) {
      log(`skip ${c.name}: done (${command})`);
      skipped.push(c.name);
      continue;
    }
    log(`run ${c.name}: ${command}`);
    const runDir = resolve(ROOT, `${o.results}-runs`, c.name);
    await rm(runDir, { recursive: true, force: true }); // a killed candidate starts over
    await mkdir(resolve(runDir, '..'), { recursive: true });
    const t0 = performance.now();
    await runChild(o.cli ?? 'trainer/dist/cli.js', args, `${runDir}.log`);
    const wallSeconds = (performance.now() - t0) / 1000;
    const r = JSON.parse(await readFile(join(runDir, 'budget.json'), 'utf8')) as BudgetResult;
    if (!r.val) throw new Error(`${c.name}: no validation result in ${runDir}/budget.json`);
    const row: Row = {
      candidate: c.name,
      change: c.change,
      command,
      cpuMinutes: r.cpuMinutes,
      steps: r.steps,
      imagesSeen: r.imagesSeen,
      epochs: r.epochs,
      valAccuracy: r.val.accuracy,
      macroF1: r.val.macroF1,
      recall: r.val.recall,
      neutralPrecision: r.val.precision.neutral ?? 0,
      wallSeconds,
      finishedAt: new Date().toISOString(),
    };
    rows = [...rows.filter((x) => x.candidate !== c.name), row];
    const order = (n: string) => {
      const i = candidates.findIndex((x) => x.name === n);
      return i < 0 ? candidates.length : i;
    };
    rows.sort((a, b) => order(a.candidate) - order(b.candidate));
    await writeResults(o, rows);
    ran.push(c.name);
    log(`done ${c.name}: val ${pct(row.valAccuracy)}, macro-F1 ${pct(row.macroF1)}, ${row.steps} steps in ${row.cpuMinutes.toFixed(2)} CPU min`);
  }
  return { rows, ran, skipped };
}

function runChild(cli: string, args: string[], logPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logPath);
    out.once('error', reject);
    const child = spawn(process.execPath, [cli, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      out.end();
      if (code === 0) resolve();
      else reject(new Error(`${cli} ${args.join(' ')} exited with ${code ?? signal} (log: ${logPath})`));
    });
  });
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

export function renderMarkdown(o: Pick<RecipeOptions, 'budgetMin'>, rows: Row[]): string {
  const head = ['candidate', 'change', 'CPU min', 'steps', 'images', 'val acc', 'macro-F1', ...LABELS.map((l) => `${l} R`), 'neutral P'];
  const lines = [
    `# Recipe candidates at equal CPU time (${o.budgetMin} CPU minutes each)`,
    '',
    'Written by `npm run bench:recipes` (bench/recipes.ts). R: recall on val, P: precision. Each row is',
    'one `amft train --cpu-budget-min` run (process CPU time, all threads; schedule spread over the budget).',
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) =>
      `| ${[r.candidate, r.change, r.cpuMinutes.toFixed(2), r.steps, r.imagesSeen, pct(r.valAccuracy), pct(r.macroF1), ...LABELS.map((l) => pct(r.recall[l] ?? 0)), pct(r.neutralPrecision)].join(' | ')} |`,
    ),
    '',
    '## Commands',
    '',
    ...rows.map((r) => `- ${r.candidate}: \`${r.command}\``),
    '',
  ];
  return lines.join('\n');
}

const short = (v: number) => (100 * v).toFixed(1);

/** The rows as the model card's recipe table (`amft export --card`): the baseline is the recipe the default run uses. */
export function cardRecipe(o: Pick<RecipeOptions, 'budgetMin'>, rows: Row[]): Pick<CardRecipe, 'recipe' | 'recipeNote'> {
  if (rows.length === 0) return { recipe: [] };
  const best = [...rows].sort((a, b) => b.macroF1 - a.macroF1)[0];
  const epochs = rows.reduce((s, r) => s + r.epochs, 0) / rows.length;
  return {
    recipeNote:
      `Short runs at equal CPU time, \`npm run bench:recipes -- --budget-min ${o.budgetMin}\` (bench/recipes.ts): ${o.budgetMin} CPU minutes each ` +
      `(about ${epochs.toFixed(2)} epochs of fer2013/train, the warm-up and cosine schedule spread over the budget), scored on fer2013/val; ` +
      `every candidate changes one thing from the baseline, the recipe of the default run. R: recall, P: precision. Best macro-F1 in this table: ${best.candidate}.`,
    recipe: rows.map((r): CardRecipe['recipe'][number] => ({
      candidate: r.candidate,
      settings: r.change,
      epochs: Math.round(r.epochs * 100) / 100,
      cpuHours: r.cpuMinutes / 60,
      valAccuracy: r.valAccuracy,
      valMacroF1: r.macroF1,
      chosen: r.candidate === 'baseline',
      notes: `neutral R ${short(r.recall.neutral ?? 0)} P ${short(r.neutralPrecision)}; angry R ${short(r.recall.angry ?? 0)}; sad R ${short(r.recall.sad ?? 0)}; fear R ${short(r.recall.fear ?? 0)}; disgust R ${short(r.recall.disgust ?? 0)}`,
    })).concat(NOT_RUN.map((c) => ({ candidate: c.name, settings: c.change, chosen: false, notes: c.why }))),
  };
}

/** Puts the recipe table into an `amft export --card` file, keeping its other fields. */
export async function writeCard(path: string, o: Pick<RecipeOptions, 'budgetMin'>, rows: Row[]): Promise<void> {
  const card = existsSync(path) ? CardRecipe.parse(JSON.parse(await readFile(path, 'utf8'))) : CardRecipe.parse({});
  await writeFile(path, `${JSON.stringify(CardRecipe.parse({ ...card, ...cardRecipe(o, rows) }), null, 2)}\n`);
}

async function writeResults(o: RecipeOptions, rows: Row[]): Promise<void> {
  const stem = resolve(ROOT, o.results);
  await mkdir(resolve(stem, '..'), { recursive: true });
  await writeFile(`${stem}.json`, `${JSON.stringify({ rows }, null, 2)}\n`);
  await writeFile(`${stem}.md`, renderMarkdown(o, rows));
}

const Flags = z.object({
  budgetMin: z.number().positive().default(20).meta({ arg: 'min', description: 'CPU minutes per candidate (process CPU time, all threads).' }),
  train: z.string().default('../shared/data/fer2013/train').meta({ arg: 'dir', description: 'Training data.' }),
  val: z.string().default('../shared/data/fer2013/val').meta({ arg: 'dir', description: 'Validation data the candidates are scored on.' }),
  maxSamples: z.number().int().positive().optional().meta({ arg: 'n', description: 'Use at most n training images.', defaultText: 'all' }),
  valMaxSamples: z.number().int().positive().optional().meta({ arg: 'n', description: 'Score on at most n validation images.', defaultText: 'all' }),
  results: z.string().default('bench/results/recipes').meta({ arg: 'stem', description: 'Results: <stem>.md, <stem>.json; runs under <stem>-runs/.' }),
  only: names(
    CANDIDATES.map((c) => c.name),
    CANDIDATES.map((c) => c.name),
    'The candidates to run.',
  ),
  force: z.boolean().default(false).meta({ description: 'Run candidates whose rows are already saved again.' }),
  list: z.boolean().default(false).meta({ description: 'Print every candidate and its command; run nothing.' }),
  card: z.string().optional().meta({ arg: 'file', description: 'Write the rows as the recipe table of this `amft export --card` file (its other fields are kept).' }),
  report: z.boolean().default(false).meta({ description: 'Write the table (and --card) from the saved rows; run nothing.' }),
});

async function main(): Promise<void> {
  const f = benchFlags(Flags, 'npm run bench:recipes -- [options]');
  if (f.list) {
    for (const c of CANDIDATES) process.stdout.write(`${c.name}: ${commandLine(f, candidateArgs(c, f))}\n`);
    return;
  }
  const rows = f.report ? await readRows(resolve(ROOT, `${f.results}.json`)) : (await runRecipes(f)).rows;
  if (f.report) {
    // the budget the saved rows were run at (their commands say), not this invocation's default
    const saved = rows[0]?.command.match(/--cpu-budget-min (\S+)/)?.[1];
    if (saved) f.budgetMin = Number(saved);
    await writeResults(f, rows);
  }
  if (f.card) await writeCard(f.card, f, rows);
  process.stdout.write(`\n${renderMarkdown(f, rows)}\nwritten to ${f.results}.md and ${f.results}.json${f.card ? ` and the recipe table of ${f.card}` : ''}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
