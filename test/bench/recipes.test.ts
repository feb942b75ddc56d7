// bench/recipes.ts on a tiny budget: real FER2013 subsets, the real `amft train` (built CLI), two
// candidates at 0.05 CPU minutes each; rows appended as they finish, done candidates skipped.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, ModelMetadata } from '@amft/shared';
import t from 'tap';
import { CANDIDATES, runRecipes, writeCard, type RecipeOptions, type Row } from '../../bench/recipes.js';
import { CardRecipe, renderModelCard } from '../../trainer/src/export/model-card.js';
import { tempDir } from '../../trainer/test/data/fixtures.js';
import { FER2013, SHARED_DATA_ABSENT } from '../shared-data.js';

const skip = existsSync(join(FER2013, 'train')) ? false : SHARED_DATA_ABSENT;

t.test('recipe candidates at equal CPU time: a table and the exact command of each row, resumable', { skip }, async (t) => {
  const dir = await tempDir(t, 'amft-recipes-');
  const lines: string[] = [];
  const o: RecipeOptions = {
    budgetMin: 0.05,
    train: join(FER2013, 'train'),
    val: join(FER2013, 'val'),
    maxSamples: 256,
    valMaxSamples: 128,
    results: join(dir, 'recipes'),
    only: ['baseline', 'mixup'],
    log: (l) => lines.push(l),
  };
  const first = await runRecipes(o);
  t.same(first.ran, ['baseline', 'mixup']);
  const json = JSON.parse(await readFile(join(dir, 'recipes.json'), 'utf8')) as { rows: Row[] };
  t.same(json.rows.map((r) => r.candidate), ['baseline', 'mixup']);
  for (const r of json.rows) {
    t.ok(r.cpuMinutes >= 0.05 && r.cpuMinutes < 0.2, `${r.candidate}: ${r.cpuMinutes.toFixed(3)} CPU minutes for a 0.05 budget`);
    t.ok(r.steps > 0, `${r.candidate}: ${r.steps} steps`);
    t.equal(r.imagesSeen, r.steps * 64);
    t.ok(r.valAccuracy >= 0 && r.valAccuracy <= 1 && r.macroF1 >= 0 && r.macroF1 <= 1);
    t.same(Object.keys(r.recall), [...LABELS]);
    t.ok(r.neutralPrecision >= 0 && r.neutralPrecision <= 1);
    t.match(r.command, new RegExp(`^node trainer/dist/cli.js train --data \\S+ --val-data \\S+ --max-samples 256 --val-max-samples 128 .*--cpu-budget-min 0.05 .*--out \\S+/${r.candidate}$`));
    t.ok(lines.includes(`run ${r.candidate}: ${r.command}`), 'the command is printed as it starts');
  }
  t.match(json.rows[1].command, /--mixup 0\.2/);
  t.notMatch(json.rows[0].command, /--mixup/);
  const md = await readFile(join(dir, 'recipes.md'), 'utf8');
  t.match(md, /\| candidate \| change \| CPU min \| steps \| images \| val acc \| macro-F1 \| angry R \| disgust R \| fear R \| happy R \| sad R \| surprise R \| neutral R \| neutral P \|/);
  for (const r of json.rows) t.ok(md.includes(`- ${r.candidate}: \`${r.command}\``), `${r.candidate}: its command under the table`);

  const again = await runRecipes(o);
  t.same([again.ran, again.skipped], [[], ['baseline', 'mixup']], 'done candidates are skipped');
  t.same(JSON.parse(await readFile(join(dir, 'recipes.json'), 'utf8')), json, 'and their rows kept');
  await t.rejects(runRecipes({ ...o, only: ['nonsense'] }), /unknown candidates: nonsense/);

  // --card: the rows become the model card's recipe table; the card file's other fields stay
  const card = join(dir, 'card.json');
  await writeFile(card, JSON.stringify({ command: 'node trainer/dist/cli.js train --epochs 40', epochs: 40, cpuHours: 11.5 }));
  await writeCard(card, o, json.rows);
  const written = CardRecipe.parse(JSON.parse(await readFile(card, 'utf8')));
  t.same([written.command, written.epochs, written.cpuHours], ['node trainer/dist/cli.js train --epochs 40', 40, 11.5]);
  t.same(written.recipe.slice(0, json.rows.length).map((r) => [r.candidate, r.chosen, r.valAccuracy, r.valMacroF1]), json.rows.map((r) => [r.candidate, r.candidate === 'baseline', r.valAccuracy, r.macroF1]));
  t.match(written.recipe.at(-1), { candidate: 'progressive-resizing', notes: /^not run: / }, 'a candidate not run says why');
  t.equal(written.recipe[1].settings, '+ mixup alpha 0.2');
  t.match(written.recipe[0].notes, /^neutral R \d+\.\d P \d+\.\d; angry R/);
  t.match(written.recipeNote, /npm run bench:recipes -- --budget-min 0\.05/);
  const md2 = renderModelCard({ metadata: ModelMetadata.parse(JSON.parse(await readFile(new URL('../../models/default/metadata.json', import.meta.url), 'utf8'))), bytes: 1, reports: [], recipe: written });
  t.match(md2, /### Recipe candidates\n\nShort runs at equal CPU time/);
  t.match(md2, /\| \*\*baseline\*\* \(chosen\) \| the default run's recipe \| /);
  t.match(md2, /\| mixup \| \+ mixup alpha 0\.2 \| /);
  t.ok(CANDIDATES.length >= 12 && CANDIDATES[0].name === 'baseline');
});
