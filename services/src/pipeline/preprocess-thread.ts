/**
 * A preprocessing worker thread (see preprocess.ts): opens a BlazeFace detector, runs it once,
 * then decodes, detects and crops the images it is sent.
 */
import { workerData } from 'node:worker_threads';
import { serveThread, threadLog } from '../threads.js';
import { analyze, type AnalyzeJob, type AnalyzedImage } from './analyze.js';
import { FaceDetector } from './detect.js';
import { warmup, type DetectorInfo, type PreprocessOptions } from './preprocess.js';

const opts = workerData as PreprocessOptions;

await serveThread<DetectorInfo, AnalyzeJob, AnalyzedImage>(async () => {
  const detector = await FaceDetector.open(opts.detectorPath, { ...opts.session, log: threadLog }, opts.detector);
  await warmup(detector);
  const deps = { detector, spec: opts.spec, maxPixels: opts.maxPixels };
  return { info: { inputSize: detector.inputSize, provider: detector.provider }, handle: (job) => analyze(job, deps), close: () => detector.release() };
});
