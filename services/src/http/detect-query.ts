/**
 * The detection query of /predict and /predict-sequence: `detect` (auto|always|never), `faces`
 * (near|all) and `minFaceSize` (pixels); the last two default to the service's --faces and
 * --min-face-size.
 */
import { z } from 'zod';
import type { Config } from '../config.js';
import type { DetectMode, FaceOptions } from '../pipeline/detect/index.js';
import { parseQuery } from './uploads.js';

export const DetectQuery = z.object({
  detect: z.enum(['auto', 'always', 'never']).default('auto'),
  faces: z.enum(['near', 'all']).optional(),
  minFaceSize: z.coerce.number().int().min(16).max(100_000).optional(),
});

/** The detect mode and face options of a request, defaults from the configuration. */
export function detectQuery(query: unknown, config: Pick<Config, 'faces' | 'minFaceSize'>): { detect: DetectMode; faces: FaceOptions } {
  const q = parseQuery(DetectQuery, query);
  return { detect: q.detect, faces: { strategy: q.faces ?? config.faces, minFaceSize: q.minFaceSize ?? config.minFaceSize } };
}
