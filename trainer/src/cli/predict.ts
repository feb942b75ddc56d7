import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_FACE_OPTIONS, followLargest, LocalPredictor } from '@amft/service/dist/local-predictor.js';
import { withFlagNames } from './flags.js';
import { cliLogger } from './log.js';
import { formatTable, writeAnnotated, type FilePrediction } from './predict-output.js';
import { progress } from '../progress.js';

/** The repository's bundled model, beside the trainer workspace. */
const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));

const USAGE = `usage: amft predict <image|folder|frames...> [options]

Finds the faces in each image and classifies their expressions with an exported model, locally
(the service's decode -> detect -> align -> infer code, no server). Folders: their JPEG, PNG and
WebP files, by name.

  --model-dir <dir>         an 'amft export' directory (default: the bundled models/default)
  --json                    JSON (one result per file, the /predict response's shape) instead of a table
  --annotate <dir>          also write each image with its faces boxed and labelled, as <dir>/<name>.png
  --track                   the files are frames of one clip, in order: follow one face through them
                            (the face overlapping the previous frame's most, as /predict-sequence does)
  --detect <m>              auto (default: no face found -> the whole image) | always | never (crops)
  --faces <s>               all (default: every face, as the service looks for them) | near (faces near
                            the camera, one BlazeFace pass: faster)
  --detector <d>            the BlazeFace model of --faces near: front (128x128, default) | back (256x256)
  --min-face-score <x>      detection threshold (default 0.5)
  --device <d>              cpu (default) | cuda
`;

const OPTIONS = {
  'model-dir': { type: 'string' },
  json: { type: 'boolean' },
  annotate: { type: 'string' },
  track: { type: 'boolean' },
  detect: { type: 'string' },
  detector: { type: 'string' },
  faces: { type: 'string' },
  'min-face-score': { type: 'string' },
  device: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const PredictFlags = z.object({
  modelDir: z.string().min(1).default(DEFAULT_MODEL),
  json: z.boolean().default(false),
  annotate: z.string().min(1).optional(),
  track: z.boolean().default(false),
  detect: z.enum(['auto', 'always', 'never']).default('auto'),
  detector: z.enum(['front', 'back']).default('front'),
  faces: z.enum(['all', 'near']).default(DEFAULT_FACE_OPTIONS.strategy),
  minFaceScore: z.coerce.number().min(0).max(1).default(0.5),
  device: z.enum(['cpu', 'cuda']).default('cpu'),
});

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
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    out.write(USAGE);
    return;
  }
  const f = withFlagNames(() => PredictFlags.parse({ ...values, modelDir: values['model-dir'], minFaceScore: values['min-face-score'] }));
  if (positionals.length === 0) throw Object.assign(new Error(`no images given\n\n${USAGE}`), { code: 'ERR_PARSE_ARGS_NO_INPUT' });
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
