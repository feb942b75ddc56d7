/**
 * Query strings, validated by the routes' schemas (fastify-type-provider-zod); a value that does
 * not pass is 400 FER_ERR_BAD_PARAMETER naming the parameter (app.ts, schemaErrorFormatter).
 * `detect` is defined once here, with each route's default.
 */
import { z } from 'zod';

export const DETECT_MODES = ['auto', 'always', 'never'] as const;
export const DetectMode = z.enum(DETECT_MODES);

export const DETECT_DESCRIPTION =
  "auto: detect faces; when none is found in a crop-sized image (long side at most twice the\nmodel's input side, e.g. 96 px for a 48x48 model) the whole image is taken as one face\n(`detection: none-found-whole-image`); a larger image without a face has zero faces\n(`detection: none-found`). always: detect; zero faces is an answer (`detection:\nnone-found`). never: each image is already a face crop (e.g. FER2013), the whole image is\nthe face (`detection: whole-image`).\n";

/** `detect`, `faces` and `minFaceSize` of /predict and /predict-sequence; the last two default to --faces and --min-face-size. */
export const DetectQuery = z.object({
  detect: DetectMode.default('auto').describe(DETECT_DESCRIPTION),
  faces: z
    .enum(['near', 'all'])
    .optional()
    .describe(
      'Detection strategy (services/README.md, "Finding every face"). all: every face down to\nminFaceSize (the back BlazeFace model over the whole image, tiles of large images for\nsmall faces, the front model for faces filling the frame). near: one pass of the\nshort-range front model over the whole image (faces at least 14% of the long side; the\ncheapest). Default: the server\'s --faces (all).\n',
    ),
  minFaceSize: z.coerce
    .number()
    .int()
    .min(16)
    .max(100_000)
    .optional()
    .describe(
      "Smallest face (box width, pixels) that faces=all finds; smaller detections (under 0.75x)\nare left out. At most half the image's short side; images over 4096x3072 pixels get a\nproportionally larger one. Default: the server's --min-face-size (40).\n",
    ),
});
export type DetectQuery = z.output<typeof DetectQuery>;

/** /predict: the detection query and `annotate=1|true` (answer with the photo, faces drawn, as PNG). */
export const PredictQuery = DetectQuery.extend({
  annotate: z
    .enum(['0', '1', 'true', 'false'])
    .default('0')
    .describe('1 or true: answer with the annotated photo (image/png) instead of JSON; one image\nper request (more is 400 FER_ERR_BAD_PARAMETER).\n')
    .transform((v) => v === '1' || v === 'true'),
});

/** /evaluate: `detect` (default never: the images are face crops) and the FER2013 `usage` split. */
export const EvaluateQuery = z.object({
  detect: DetectMode.default('never'),
  usage: z.string().min(1).optional().describe('FER2013 CSV only, keep the rows whose Usage is this (e.g. PublicTest).'),
});

/** The /v2/models/{name} path parameter. */
export const V2NameParams = z.object({ name: z.string().describe("The model's name (metadata `name`, as in `/v1/model`)") });
/** The /v2/models/{name}/versions/{version} path parameters. */
export const V2VersionParams = V2NameParams.extend({ version: z.string().describe("The model's version; this service serves version 1") });
