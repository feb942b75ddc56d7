/**
 * The request path without HTTP, for `amft predict`: the same modules the routes run —
 * decode -> detect -> align (pipeline/analyze.ts, on the calling thread) -> normalize -> infer
 * (pipeline/infer.ts) -> respond (pipeline/respond.ts) — on one model directory.
 */
import { LABELS, normalizePixels } from '@amft/shared';
import { loadModel, type LoadedModel } from './model/load-model.js';
import type { SessionLog } from './inference/session.js';
import type { AnalyzedImage } from './pipeline/analyze.js';
import { annotateImage } from './pipeline/annotate.js';
import { bundledDetectorPath, DEFAULT_FACE_OPTIONS, type Box, type DetectMode, type DetectorVariant, type FaceOptions } from './pipeline/detect/index.js';
import { Classifier } from './pipeline/infer.js';
import { InlinePreprocessor } from './pipeline/preprocess.js';
import { faceJson } from './pipeline/respond.js';
import type { ImageResult } from './schemas/index.js';

/** One image's result, as /predict answers it (schemas/predict.ts). */
type ImageResultJson = ImageResult;

export interface LocalPredictorOptions {
  modelDir: string;
  /** cpu (default) or cuda. */
  device?: string;
  /** Intra-op threads of the expression model (0: onnxruntime's choice). */
  threads?: number;
  /** The BlazeFace variant of the `near` strategy. */
  detector?: DetectorVariant;
  /** Which faces are looked for (default: the service's, every face down to minFaceSize). */
  faces?: FaceOptions;
  minFaceScore?: number;
  maxPixels?: number;
  log?: SessionLog;
}


export class LocalPredictor {
  private readonly classifier: Classifier;

  private constructor(
    readonly model: LoadedModel,
    private readonly preprocessor: InlinePreprocessor,
  ) {
    this.classifier = new Classifier(model);
  }

  static async open(opts: LocalPredictorOptions): Promise<LocalPredictor> {
    const device = opts.device ?? 'cpu';
    const model = await loadModel(opts.modelDir, { device, threads: opts.threads ?? 0, log: opts.log, inWorker: false });
    try {
      const preprocessor = await InlinePreprocessor.open({
        detectorPaths: { front: bundledDetectorPath('front'), back: bundledDetectorPath('back') },
        near: opts.detector ?? 'front',
        session: { device, threads: 1 },
        detector: { minScore: opts.minFaceScore ?? 0.5 },
        faces: opts.faces ?? DEFAULT_FACE_OPTIONS,
        spec: model.metadata.preprocessing,
        maxPixels: opts.maxPixels ?? 25_000_000,
      });
      return new LocalPredictor(model, preprocessor);
    } catch (err) {
      await model.session.release();
      throw err;
    }
  }

  /** Faces of one encoded image (JPEG, PNG, WebP) and their expressions. */
  async predict(bytes: Uint8Array, name: string, mode: DetectMode = 'auto'): Promise<ImageResultJson> {
    const a: AnalyzedImage = await this.preprocessor.analyze({ source: { kind: 'bytes', bytes, name }, mode });
    const spec = this.model.metadata.preprocessing;
    const size = spec.channels * spec.height * spec.width;
    const batch = new Float32Array(a.crops.length * size);
    a.crops.forEach((c, i) => normalizePixels(c, spec, 'chw', batch, i * size));
    const probs = a.crops.length ? await this.classifier.classify(batch, a.crops.length) : new Float32Array(0);
    const k = LABELS.length;
    return { width: a.width, height: a.height, detection: a.detection, faces: a.faces.map((f, i) => faceJson(f, probs.subarray(i * k, (i + 1) * k))) };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.preprocessor.close(), this.model.session.release()]);
  }
}

export { annotateImage, DEFAULT_FACE_OPTIONS };
export { followLargest } from './pipeline/track.js';
export type { Box, DetectMode, DetectorVariant, ImageResultJson };
