import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DEFAULT_FACE_OPTIONS, followLargest, LocalPredictor } from '@amft/service/dist/local-predictor.js';
import { commandHelp, parseOrHelp } from './command.js';
import { PREDICT } from './predict-flags.js';
import { cliLogger } from './log.js';
import { formatTable, writeAnnotated, type FilePrediction } from './predict-output.js';
import { progress } from '../progress.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Files as given; folders expanded to their images, sorted by name. */
export async function listImages(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    if ((await stat(p)).isDirectory()) {
      const names = (await readdir(p)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
      if (names.length === 0) throw new Error(`${p}: no JPEG, PNG or WebP files in this folder`);
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  return files;
}

export interface PredictDeps {
  out?: { write: (text: string) => unknown };
}

/** `amft predict`: faces and expressions of images, as a table or JSON. */
export async function runPredict(argv: string[], deps: PredictDeps = {}): Promise<void> {
  const out = deps.out ?? process.stdout;
  const parsed = parseOrHelp(argv, PREDICT, out);
  if (!parsed) return;
  const { values: f, positionals } = parsed;
  if (positionals.length === 0) throw Object.assign(new Error(`no images given\n\n${commandHelp(PREDICT)}`), { code: 'ERR_PARSE_ARGS_NO_INPUT' });
  const files = await listImages(positionals);
  if (f.annotate) await mkdir(f.annotate, { recursive: true });

  const log = cliLogger('amft-predict');
  const predictor = await LocalPredictor.open({ modelDir: f.modelDir, device: f.device, detector: f.detector, faces: { ...DEFAULT_FACE_OPTIONS, strategy: f.faces }, minFaceScore: f.minFaceScore, log });
  const bar = progress({ label: 'predict', total: files.length, unit: 'images', log });
  let rows: FilePrediction[] = [];
  try {
    for (const file of files) {
      rows.push({ file, result: await predictor.predict(await readFile(file), file, f.detect) });
      bar.tick();
    }
  } finally {
    bar.done();
    await predictor.close();
  }
  if (f.track) {
    // one face per frame, the one /predict-sequence follows
    const picks = followLargest(rows.map((r) => r.result.faces.map((face) => face.box)));
    rows = rows.map((r, i) => ({ ...r, result: { ...r.result, faces: picks[i].face < 0 ? [] : [r.result.faces[picks[i].face]] }, tracked: picks[i].tracked }));
  }
  if (f.annotate) for (const r of rows) await writeAnnotated(r, f.annotate);
  const model = { name: predictor.model.metadata.name, variant: predictor.model.metadata.variant, provider: predictor.model.session.provider };
  out.write(f.json ? `${JSON.stringify({ model, results: rows }, null, 2)}\n` : formatTable(rows));
}
