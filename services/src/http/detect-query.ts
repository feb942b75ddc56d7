/**
 * The face options of a request from its (validated) detection query, schemas/queries.ts
 * `DetectQuery`: `faces` and `minFaceSize` default to the service's --faces and --min-face-size.
 */
import type { Config } from '../config.js';
import type { FaceOptions } from '../pipeline/detect/index.js';
import type { DetectQuery } from '../schemas/index.js';

export function faceOptions(q: Pick<DetectQuery, 'faces' | 'minFaceSize'>, config: Pick<Config, 'faces' | 'minFaceSize'>): FaceOptions {
  return { strategy: q.faces ?? config.faces, minFaceSize: q.minFaceSize ?? config.minFaceSize };
}
