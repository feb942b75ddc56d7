/** `amft predict`'s flags: one zod object from which parsing, their types and --help are derived. */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_FACE_OPTIONS } from '@amft/service/dist/local-predictor.js';
import type { CommandSpec } from './command.js';

/** The repository's bundled model, beside the trainer workspace. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));

export const PredictFlags = z.object({
  modelDir: z.string().min(1).default(DEFAULT_MODEL).meta({ arg: 'dir', description: "An 'amft export' directory; the bundled model by default." }),
  json: z.boolean().default(false).meta({ description: "JSON (one result per file, the /predict response's shape) instead of a table." }),
  annotate: z.string().min(1).optional().meta({ arg: 'dir', description: 'Also write each image with its faces boxed and labelled, as <dir>/<name>.png.', defaultText: 'none' }),
  track: z.boolean().default(false).meta({
    description: "The files are frames of one clip, in order: follow one face through them (the face overlapping the previous frame's most, as /predict-sequence does).",
  }),
  detect: z.enum(['auto', 'always', 'never']).default('auto').meta({ description: 'auto: no face found -> the whole image; always; never (the images are crops).' }),
  detector: z.enum(['front', 'back']).default('front').meta({ description: 'The BlazeFace model of --faces near: front (128x128) or back (256x256).' }),
  faces: z
    .enum(['all', 'near'])
    .default(DEFAULT_FACE_OPTIONS.strategy)
    .meta({ description: 'all: every face, as the service looks for them; near: faces near the camera, one BlazeFace pass (faster).' }),
  minFaceScore: z.coerce.number().min(0).max(1).default(0.5).meta({ arg: 'x', description: 'Detection threshold.' }),
  device: z.enum(['cpu', 'cuda']).default('cpu').meta({ description: 'Execution device of onnxruntime.' }),
});

export const PREDICT: CommandSpec<typeof PredictFlags> = {
  name: 'predict',
  summary: 'expressions of the faces in images',
  operands: '<image|folder|frames...>',
  about:
    "Finds the faces in each image and classifies their expressions with an exported model, locally (the service's decode -> detect -> align -> infer code, no server). Folders: their JPEG, PNG and WebP files, by name.",
  flags: PredictFlags,
};
