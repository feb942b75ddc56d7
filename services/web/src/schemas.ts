/** The parts of the service's responses (openapi.yaml) the page reads, with their checks. */
import type { ClassMetrics, ClassificationReport } from '@amft/shared';
import { arr, nullable, num, optional, record, shape, str, type Check } from './check.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Point {
  x: number;
  y: number;
}
export interface Expression {
  label: string;
  confidence: number;
  /** Keyed by label, in the model's label order. */
  probabilities: Record<string, number>;
}
export interface Face {
  box: Box;
  score: number | null;
  landmarks?: Record<string, Point>;
  expression: Expression;
}
export interface ImageResult {
  width: number;
  height: number;
  detection: string;
  faces: Face[];
}
export interface ModelRef {
  name: string;
  variant: string;
  provider: string;
}
export interface PredictResponse {
  results: ImageResult[];
  model: ModelRef;
  timings: Record<string, number>;
}
/** The shared classification report (shared/src/metrics.ts), with what /evaluate adds. */
export interface EvaluateResponse extends ClassificationReport {
  badRows: { line: number; reason: string }[];
  badRowCount: number;
  timings: { totalMs: number };
}
export interface ModelInfo {
  name: string;
  variant: string;
  labels: string[];
}
export interface ErrorBody {
  error: string;
  message: string;
}

const box = shape<Box>({ x: num, y: num, width: num, height: num });
const point = shape<Point>({ x: num, y: num });
export const expression = shape<Expression>({ label: str, confidence: num, probabilities: record(num) });
const face = shape<Face>({ box, score: nullable(num), landmarks: optional(record(point)), expression });

export const predictResponse: Check<PredictResponse> = shape<PredictResponse>({
  results: arr(shape<ImageResult>({ width: num, height: num, detection: str, faces: arr(face) })),
  model: shape<ModelRef>({ name: str, variant: str, provider: str }),
  timings: record(num),
});

export const evaluateResponse: Check<EvaluateResponse> = shape<EvaluateResponse>({
  count: num,
  accuracy: num,
  macroF1: num,
  labels: arr(str),
  perClass: record(shape<ClassMetrics>({ precision: num, recall: num, f1: num, support: num })),
  confusionMatrix: arr(arr(num)),
  badRows: arr(shape({ line: num, reason: str })),
  badRowCount: num,
  timings: shape({ totalMs: num }),
});

export const modelInfo: Check<ModelInfo> = shape<ModelInfo>({ name: str, variant: str, labels: arr(str) });

export const errorBody: Check<ErrorBody> = shape<ErrorBody>({ error: str, message: str });
