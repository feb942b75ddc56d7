import { z } from 'zod';

/**
 * How a face crop becomes a model input. Trainer and service both read this from the model's
 * metadata, so there is one definition of "preprocess" for training, export and serving.
 * Pixels are scaled to [0,1], then (x - mean[c]) / std[c]. Layout of the ONNX input is NCHW.
 */
export const PreprocessingSpec = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  mean: z.array(z.number()).min(1),
  std: z.array(z.number().positive()).min(1),
  /** Fraction of the detected face box added on each side before cropping (service only). */
  faceMargin: z.number().min(0).max(1).default(0.25),
});
export type PreprocessingSpec = z.infer<typeof PreprocessingSpec>;

/** FER2013-style 48x48 grayscale faces (the lite variant). */
export const GRAY48: PreprocessingSpec = {
  height: 48,
  width: 48,
  channels: 1,
  mean: [0.5],
  std: [0.5],
  faceMargin: 0.25,
};

/** ImageNet RGB statistics at 224x224, as the original project used (seed and amft variants). */
export const RGB224: PreprocessingSpec = {
  height: 224,
  width: 224,
  channels: 3,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  faceMargin: 0.25,
};

/**
 * Normalizes interleaved 8-bit pixels (HWC, `spec.channels` per pixel) into float32.
 * `layout` picks the order of the result: 'hwc' for TensorFlow.js, 'chw' for ONNX.
 * Writes into `out` at `offset` when given, so callers can fill one batch buffer.
 */
export function normalizePixels(
  pixels: Uint8Array | Buffer,
  spec: Pick<PreprocessingSpec, 'height' | 'width' | 'channels' | 'mean' | 'std'>,
  layout: 'hwc' | 'chw',
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const { height, width, channels } = spec;
  const n = height * width;
  if (pixels.length !== n * channels) {
    throw new Error(`expected ${n * channels} pixel values (${height}x${width}x${channels}), got ${pixels.length}`);
  }
  const dst = out ?? new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const scale = 1 / (255 * spec.std[c % spec.std.length]);
    const shift = spec.mean[c % spec.mean.length] / spec.std[c % spec.std.length];
    for (let i = 0; i < n; i++) {
      const v = pixels[i * channels + c] * scale - shift;
      dst[offset + (layout === 'hwc' ? i * channels + c : c * n + i)] = v;
    }
  }
  return dst;
}
